"""Servers that speak the protocols of services the tests cannot reach."""
import threading

# socketserver's serve_forever checks for shutdown() this often (0.5 s by default): every
# fake stopped at the end of a test waited for it, hundreds of times a suite run.
POLL_INTERVAL = 0.05


def serve_in_thread(server):
    """Runs server.serve_forever in a daemon thread (started); server.shutdown() ends it."""
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": POLL_INTERVAL}, daemon=True)
    thread.start()
    return thread
