"""nginx itself reads our templates (`nginx -t`), filled as the official image fills them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("template", ["nginx-http", "nginx-tls"])
def test_nginx_accepts_the_template(tmp_path, template):
    nginx = shutil.which("nginx") or (Path("/usr/sbin/nginx") if Path("/usr/sbin/nginx").exists() else None)
    require_service(bool(nginx), "nginx (Debian package nginx)")
    text = (ROOT / "deploy" / f"{template}.conf.template").read_text()
    # What the image's entrypoint does: fill the variables it has (the others stay nginx's own).
    text = text.replace("${NGINX_CLIENT_MAX_BODY}", "6m").replace("${SERVER_NAME}", "localhost")
    assert not re.search(r"\$\{[A-Z_]+\}", text)
    # Here, not in Docker: no Docker DNS, no "web" host; Debian's nginx may predate `http2 on`.
    text = text.replace("resolver 127.0.0.11 valid=10s;", "").replace("server web:8000", "server 127.0.0.1:8000")
    text = text.replace("http2 on;", "")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
                   check=True, capture_output=True)
    text = text.replace("/etc/nginx/certs/", f"{certs}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log {tmp_path}/access.log;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n fastcgi_temp_path {tmp_path}/fcgi;\n uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f" scgi_temp_path {tmp_path}/scgi;\n include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([str(nginx), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
