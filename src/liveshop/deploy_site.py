"""The public nginx site in front of Liveshop: TLS, WebSockets, HLS, and what stays private.

`liveshop deploy nginx-site` prints it (deploy/README.md says where it goes); the deployment
test renders the same text in front of two real web servers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined


@dataclass(frozen=True)
class Site:
    server_name: str
    certificate: str
    certificate_key: str
    upstreams: list[str] = field(default_factory=lambda: ["127.0.0.1:8000"])
    media_origin: str = "127.0.0.1:8089"  # the media server's HTTP side (HLS)
    https_port: int = 443
    http_port: int = 80
    max_body: str = "2m"
    show_upstream: bool = False  # a response header naming the web server (tests only)


def render_site(site: Site) -> str:
    env = Environment(
        loader=PackageLoader("liveshop", "deploy_templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # nginx configuration, not HTML
    )
    return env.get_template("nginx-site.conf.j2").render(site=site)
