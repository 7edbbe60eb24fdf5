"""Shopify import benchmark: a large product CSV into a real Liveshop, in bounded memory.

Writes a Shopify CSV of --rows rows (--variants rows per product, with images and two market
price columns), starts the real server (`liveshop serve`, SQLite in a temp dir unless
--database-url), opens a shop through the API, then:
- imports the file with `liveshop import shopify FILE --shop SLUG` (the CLI, Rich progress bar)
  and measures its rows/s and peak RSS (the child's ru_maxrss, from wait4);
- re-imports the same file by upload to the server (every product unchanged), and reads the
  server's peak RSS (VmHWM) before and after;
- as the bare baseline, only parses the file with the csv module in a child process.

    .venv/bin/python bench/import.py --rows 50000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

LIVESHOP = Path(sys.executable).parent / "liveshop"
HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable",
    "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "Gift Card",
    "Price / Germany", "Price / United States", "Status",
]  # fmt: skip


def write_csv(path: Path, rows: int, per_product: int) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            p, v = divmod(i, per_product)
            first = v == 0
            w.writerow([
                f"product-{p}",
                f"Product {p}" if first else "",
                f"<p>Product <b>{p}</b>, a fine thing.</p><script>x()</script>" if first else "",
                "Acme" if first else "", "Things" if first else "",
                "bench, import" if first else "", "TRUE" if first else "",
                "Size" if first else "", f"S{v}", f"SKU-{p}-{v}", "250", "shopify",
                str(10 + v), "deny", f"{10 + v}.99", "", "TRUE", "TRUE", f"{400000 + i}",
                f"https://cdn.example.com/{p}/{v}.jpg", str(v + 1), f"View {v}",
                "FALSE" if first else "", f"{12 + v}.50", f"{13 + v}.00",
                "active" if first else "",
            ])  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        data: dict[str, Any] = json.loads(r.read() or b"{}")
        return data


def _upload(url: str, path: Path, token: str) -> dict[str, Any]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"'
        "\r\nContent-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        url,
        body,
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
        },
    )
    with urllib.request.urlopen(req, timeout=3600) as r:
        data: dict[str, Any] = json.loads(r.read())
        return data


def _run_measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and exit code of one child process."""
    start = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def _vmhwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _bare(path: str) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        n = sum(1 for _ in csv.reader(f)) - 1
    print(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--variants", type=int, default=5, help="rows (variants) per product")
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        _bare(args.bare)
        return
    with tempfile.TemporaryDirectory(prefix="liveshop-import-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        path = tmp / "products_export.csv"
        write_csv(path, args.rows, args.variants)
        size_mb = path.stat().st_size / 1024 / 1024
        log = tmp / "bench.log"
        port = _free_port()
        env = {
            **os.environ,
            "LIVESHOP_ENV": "development",
            "LIVESHOP_DATABASE_URL": args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
            "LIVESHOP_MEDIA_ENABLED": "false",
            "LIVESHOP_LOG_LEVEL": "WARNING",
            "LIVESHOP_LOG_JSON": "false",
            "LIVESHOP_RATE_SIGNUP_IP": "1000/minute",
            "LIVESHOP_RATE_LOGIN_IP": "1000/minute",
        }
        subprocess.run([str(LIVESHOP), "db", "upgrade"], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [str(LIVESHOP), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("server did not start:\n" + log.read_text())
                    time.sleep(0.2)
            email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
            account = {"email": email, "password": "correct horse battery"}
            _post(
                f"{base}/api/v1/auth/signup",
                {**account, "display_name": "Bench", "market": "UK", "roles": ["seller"]},
            )
            token = _post(f"{base}/api/v1/auth/login", account)["token"]
            shop = _post(f"{base}/api/v1/shops", {"name": "Bench shop", "market": "UK"}, token)

            seconds, peak_mb, code = _run_measured(
                [str(LIVESHOP), "import", "shopify", str(path), "--shop", shop["slug"]], env, log
            )
            if code != 0:
                sys.exit("import failed:\n" + log.read_text()[-3000:])
            rows_per_s = args.rows / seconds
            print(f"CLI import: {args.rows} rows ({size_mb:.1f} MB) in {seconds:.1f} s")
            print(f"  {rows_per_s:.0f} rows/s, peak RSS {peak_mb:.0f} MB")

            server_before = _vmhwm_mb(server.pid)
            start = time.perf_counter()
            report = _upload(f"{base}/api/v1/imports/shopify?shop_id={shop['id']}", path, token)
            http_seconds = time.perf_counter() - start
            assert report["unchanged"] == args.rows // args.variants, report
            server_peak = _vmhwm_mb(server.pid)
            print(f"HTTP re-import (all unchanged): {args.rows / http_seconds:.0f} rows/s,")
            print(
                f"  server peak RSS {server_peak:.0f} MB ({server_before:.0f} MB before the upload)"
            )

            bare_seconds, bare_peak, _ = _run_measured(
                [sys.executable, __file__, "--bare", str(path)], env, log
            )
            bare_rps = args.rows / bare_seconds
            print(f"Bare csv parse (baseline): {bare_rps:.0f} rows/s, peak RSS {bare_peak:.0f} MB")
        finally:
            server.terminate()
            server.wait(15)
        print(
            f"RESULT import rows={args.rows} rows_per_s={rows_per_s:.0f} peak_mb={peak_mb:.0f} "
            f"reimport_http_rows_per_s={args.rows / http_seconds:.0f} "
            f"server_peak_mb={server_peak:.0f} server_before_mb={server_before:.0f} "
            f"bare_rows_per_s={bare_rps:.0f} "
            f"file_mb={size_mb:.1f}"
        )


if __name__ == "__main__":
    main()
