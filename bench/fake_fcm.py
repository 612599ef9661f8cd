"""A local stand-in for FCM's HTTP v1 send endpoint, for bench/outbox.py: any request gets 200 and
{"name": "projects/demo/messages/1"}. Served by gunicorn on 127.0.0.1 (`fake_fcm:app`), like the bare route.
Not a benchmark (no NAME/run)."""

BODY = b'{"name": "projects/demo/messages/1"}'
HEADERS = [("Content-Type", "application/json; charset=UTF-8"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("200 OK", HEADERS)
    return [BODY]
