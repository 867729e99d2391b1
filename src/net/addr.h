/* Classifies socket addresses for the SSRF guard: loopback, RFC 1918
 * private, CGNAT (RFC 6598), link-local (incl. the 169.254.169.254 cloud
 * metadata address), multicast, reserved and documentation ranges, and IPv6
 * unique-local, link-local and IPv4-mapped/NAT64 forms of all of these. */
#ifndef LEADGEN_NET_ADDR_H
#define LEADGEN_NET_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

bool addr_is_private(const struct sockaddr *sa);
bool addr_ipv4_is_private(uint32_t host_order);

#endif
