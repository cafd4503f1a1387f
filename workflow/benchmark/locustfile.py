"""The load of ``tdkt bench http``: one task, hitting the endpoint ``BENCH_ENDPOINT`` of the plan in
``BENCH_PLAN`` (written by ``workflow.benchmark.http``), with no wait between requests.

A plan entry has a method, an optional JSON body, the expected status and a list of requests
(path and headers: the bearer token or the session cookie), used in turn. ``once`` entries (the
state-changing ``transition``) use each request once; when they run out the run stops early, so
the requests per second locust reports stay the rate of the requests that were made.
"""

from __future__ import annotations

import itertools
import json
import os

import gevent
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

with open(os.environ["BENCH_PLAN"], encoding="utf-8") as _file:
    PLAN = json.load(_file)
NAME = os.environ["BENCH_ENDPOINT"]
SPEC = PLAN["endpoints"][NAME]
_turn = itertools.count()


class Bench(FastHttpUser):
    host = PLAN["base_url"]
    wait_time = constant(0)

    @task
    def hit(self) -> None:
        n = next(_turn)
        requests = SPEC["requests"]
        if SPEC.get("once") and n >= len(requests):
            # the pool is used up: end the whole run (from another greenlet, not this user's)
            gevent.spawn(self.environment.runner.quit)
            raise StopUser()
        request = requests[n % len(requests)]
        with self.client.request(SPEC["method"], request["path"], headers=request.get("headers") or {},
                                 json=SPEC.get("json"), name=NAME, catch_response=True,
                                 allow_redirects=False) as response:
            if response.status_code != SPEC.get("status", 200):
                response.failure(f"status {response.status_code}")
