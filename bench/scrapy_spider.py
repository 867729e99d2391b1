#!/usr/bin/python3
"""The Scrapy side of the crawl benchmark (bench/crawl_bench.py): a spider
equivalent to `leadgen crawl`, run with Debian's python3-scrapy under
/usr/bin/python3 through CrawlerProcess.

    /usr/bin/python3 bench/scrapy_spider.py URL HOST:PORT:ADDR [--robots 0|1]

Same job as leadgen's crawler: the start page, then internal links (same
host name; Scrapy's LinkExtractor skips .pdf, images and the like, as leadgen does),
at most 15 pages in all, at most 4 requests at a time to the site, emails
found with a regex (plain text and mailto:), robots.txt obeyed when --robots 1
(leadgen's default). HOST:PORT:ADDR pins the site's host name to a loopback
address, like LEADGEN_RESOLVE, through a DNS resolver that answers from the
pin. Prints one JSON object: pages crawled, emails, and the crawl's own time
(spider open to close, without Python and Scrapy start-up).
"""
import json
import re
import sys
import time
from urllib.parse import urlsplit

T_PROCESS = time.monotonic()

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.linkextractors import LinkExtractor  # noqa: E402
from scrapy.resolver import CachingThreadedResolver  # noqa: E402
from twisted.internet import defer  # noqa: E402

MAX_PAGES = 15
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PINS = {}


class PinnedResolver(CachingThreadedResolver):
    """Answers pinned host names from PINS (curl's --resolve), the rest as usual."""

    def getHostByName(self, name, timeout=()):
        if name in PINS:
            return defer.succeed(PINS[name])
        return super().getHostByName(name, timeout)


class ContactSpider(scrapy.Spider):
    name = "contacts"

    def __init__(self, url, host, **kw):
        super().__init__(**kw)
        self.start_urls = [url]
        self.allowed_domains = [host]
        self.host = host
        self.links = LinkExtractor()  # skips .pdf, images, archives ... by extension
        self.scheduled = {url}
        self.pages = 0
        self.emails = set()
        self.opened_at = None

    def start_requests(self):
        self.opened_at = time.monotonic()
        yield scrapy.Request(self.start_urls[0], callback=self.parse)

    def parse(self, response):
        if not isinstance(response, scrapy.http.HtmlResponse):
            return
        self.pages += 1
        text = response.text
        self.emails.update(e.lower() for e in EMAIL.findall(text))
        for href in response.css('a[href^="mailto:"]::attr(href)').getall():
            self.emails.update(e.lower() for e in EMAIL.findall(href))
        for link in self.links.extract_links(response):
            url = link.url.split("#", 1)[0]
            if urlsplit(url).hostname != self.host:
                continue  # internal links only
            if len(self.scheduled) >= MAX_PAGES:
                break
            if url not in self.scheduled:
                self.scheduled.add(url)
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason):
        now = time.monotonic()
        print(json.dumps({"pages": self.pages, "emails": sorted(self.emails),
                          "crawl_seconds": round(now - self.opened_at, 4),
                          "startup_seconds": round(self.opened_at - T_PROCESS, 4),
                          "reason": reason, "scrapy": scrapy.__version__}), flush=True)


def main(argv):
    url, pin = argv[1], argv[2]
    robots = "--robots" not in argv or argv[argv.index("--robots") + 1] == "1"
    host, _port, addr = pin.rsplit(":", 2)
    PINS[host] = addr
    process = CrawlerProcess(settings={
        "DNS_RESOLVER": "__main__.PinnedResolver",
        "ROBOTSTXT_OBEY": robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_TIMEOUT": 15,             # leadgen: 15 s per page
        "DOWNLOAD_MAXSIZE": 2 * 1024 * 1024,  # leadgen: 2 MiB per page
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_ENABLED": False,             # leadgen does not retry either
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "USER_AGENT": "Mozilla/5.0 (compatible; scrapy-bench)",
    })
    process.crawl(ContactSpider, url=url, host=host)
    process.start()


if __name__ == "__main__":
    main(sys.argv)
