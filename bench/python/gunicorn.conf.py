# gunicorn settings for the benchmark's Flask app. The platform's rules: listen on
# 0.0.0.0:$FC_SERVER_PORT, keep connections alive, never time a request out.
import os

_port = os.environ.get("FC_CUSTOM_LISTEN_PORT") or os.environ.get("FC_SERVER_PORT") or "9000"
bind = "0.0.0.0:" + _port
# gthread keeps HTTP/1.1 connections alive (the sync worker closes each one).
worker_class = "gthread"
workers = int(os.environ.get("BENCH_PY_WORKERS") or os.cpu_count() or 1)
threads = int(os.environ.get("BENCH_PY_THREADS") or 8)
keepalive = 24 * 3600
timeout = 0
graceful_timeout = 2
accesslog = None
loglevel = "warning"
