"""Schemathesis over the whole OpenAPI document, against a real server, as three callers.

Every operation gets a few generated requests that fit the schema and a few that break it,
anonymously, as a buyer and as a seller. Hypothesis is derandomized (same cases every run) and
bounded, so this stays a few minutes per mode. Any answer must be: not a 5xx; documented (status,
content type, headers, body schema, error bodies included); and, when 4xx, problem+json with a
machine-readable `code`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.kits.factories import Api
from tests.kits.server import serve_app

pytestmark = pytest.mark.slow

POSITIVE_EXAMPLES = 5
NEGATIVE_EXAMPLES = 3
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# Operations that would end the caller's own session part-way through the run.
SELF_ENDING = {("POST", "/api/v1/auth/logout")}


@schemathesis.check
def problem_json_with_code(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Every 4xx is application/problem+json with a stable, machine-readable `code`."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    if content_type != "application/problem+json":
        raise AssertionError(f"{response.status_code} answered as {content_type!r}")
    body = response.json()
    if not (isinstance(body, dict) and isinstance(body.get("code"), str)):
        raise AssertionError(f"{response.status_code} without a code: {body!r}")
    if not CODE.match(body["code"]) or body.get("status") != response.status_code:
        raise AssertionError(f"bad problem document: {body!r}")
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_json_with_code,
]


@dataclass
class Report:
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _fuzz(base: str, headers: dict[str, str]) -> Report:
    """Run every operation in both generation modes; collect failures rather than stop."""
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=30).json()
    # The identity comes from `headers` alone: no made-up tokens or cookies from the security
    # schemes, so "anonymous" really is anonymous.
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(document, config=config)
    report = Report()
    session = requests.Session()
    # A signup or login answer sets a session cookie; keeping it would turn "anonymous" into
    # whoever signed up last.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    for result in schema.get_all_operations():
        operation = result.ok()
        if headers and (operation.method.upper(), operation.path) in SELF_ENDING:
            continue
        for mode, examples in (
            (schemathesis.GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):

            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't minimise
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                response = case.call(base_url=base, session=session, headers=headers, timeout=30)
                report.cases += 1
                report.statuses[response.status_code] = (
                    report.statuses.get(response.status_code, 0) + 1
                )
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to break: no parameters, or only free-form ones
            except (Exception, BaseExceptionGroup) as exc:
                first = str(exc).strip().splitlines()[:12]
                report.failures.append(f"{operation.label} [{mode.value}]: " + "\n".join(first))
    return report


async def _world(api: Api) -> dict[str, dict[str, str]]:
    """Rows with small ids, so that generated ids often name something real."""
    seller = await api.user("seller", "creator")
    buyer = await api.user("buyer", market="UK")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=50, prices={"UK": 1000})
    await api.order(buyer, product["variants"][0]["id"])
    await api.paid_order(buyer, product["variants"][0]["id"])
    return {"anon": {}, "buyer": buyer.headers, "seller": seller.headers}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("who", ["anon", "buyer", "seller"])
async def test_schemathesis_finds_nothing(app: Any, client: httpx.AsyncClient, who: str) -> None:
    identities = await _world(Api(client, app=app))
    async with serve_app(app) as ws_base:
        base = ws_base.replace("ws://", "http://")
        report = await asyncio.to_thread(_fuzz, base, identities[who])
    summary = f"{report.cases} cases as {who}, statuses {sorted(report.statuses.items())}"
    print(summary)  # the figures, with pytest -s
    assert not report.failures, summary + "\n\n" + "\n\n".join(report.failures)
    assert report.cases > 300, summary
