"""gunicorn's settings for the directory: `gunicorn wsgi:app` reads this file.

Each setting can be changed by the environment variable named beside it.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Two processes per core, each with a few threads: the finder's work is mostly Python,
# so processes carry the load and threads cover waits on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "gthread"
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 20))
keepalive = 5
# Each worker is replaced now and then (staggered), so slow leaks cannot build up. Not often:
# a new worker builds its own catalogue snapshot and page caches before it is quick (1-2 s of
# CPU at 5,000 services), and at 5,000 requests every worker was replaced each minute under
# the production benchmark's load.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 50_000))
max_requests_jitter = max_requests // 10
# Every worker opens its own database connections and builds its own catalogue copy.
preload_app = False
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# Proxies in front (nginx, a load balancer) may set X-Forwarded-*; trust only local ones.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
