/* Fuzz target: the SOCKS5 reply readers (what a proxy, or whatever listens on
 * its port, can send): each reader on the bytes, then on what follows. */
#include "verify/socks5.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long (*const readers[])(const unsigned char *, size_t,
                            int *) = {socks5_method_reply, socks5_auth_reply, socks5_connect_reply};
    const unsigned char *p = data;
    size_t left = size;
    for (size_t i = 0; i < 3; i++) {
        int value = -1;
        long used = readers[i](p, left, &value);
        if (used < 0 || used == 0) break;
        if ((size_t)used > left || value < 0 || value > 255) abort();
        if (!socks5_reply_text(value)) abort();
        p += used;
        left -= (size_t)used;
    }
    return 0;
}
