"""Ingest and ask make no outbound network attempt: no hub, no telemetry, no OpenAI default."""

import json
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

GUARD = textwrap.dedent('''
    import ipaddress, json, socket, sys
    attempts = []

    def _outbound(host):
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host not in ("localhost", "")

    def _guarded_connect(original):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and _outbound(address[0]):
                attempts.append(["connect", str(address[0])])
                raise OSError("network disabled by test")
            return original(self, address)
        return connect

    _getaddrinfo = socket.getaddrinfo
    def getaddrinfo(host, *args, **kwargs):
        if host is not None and _outbound(host if isinstance(host, str) else host.decode()):
            attempts.append(["resolve", str(host)])
            raise socket.gaierror("network disabled by test")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = _guarded_connect(socket.socket.connect)
    socket.socket.connect_ex = _guarded_connect(socket.socket.connect_ex)
    socket.getaddrinfo = getaddrinfo

    from footnote.cli import main
    codes = [main(["ingest", sys.argv[1]]),
             main(["ask", "How many operatives were expelled to the United States?", "--json"])]
    print("GUARD" + json.dumps({"codes": codes, "attempts": attempts}))
''')


def test_ingest_and_ask_make_no_outbound_connection(sources, tmp_path, models_dir):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FOOTNOTE_DATA_DIR": str(tmp_path / "data"),
           "FOOTNOTE_MODELS_DIR": str(models_dir)}
    result = subprocess.run([sys.executable, "-c", GUARD, str(sources)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    line = next(l for l in result.stdout.splitlines() if l.startswith("GUARD"))
    outcome = json.loads(line[len("GUARD"):])
    assert outcome["attempts"] == []
    assert outcome["codes"] == [0, 0]
    assert '"37 operatives' in result.stdout or "37 operatives" in result.stdout
