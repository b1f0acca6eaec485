"""Every command in README.md runs as printed, in order, from a fresh copy of the checkout.

The README promises that its commands run as printed from the checkout's root with the
environment active, in order (later sections use what earlier ones wrote).  This test keeps
that promise honest: it copies the git-tracked files into a temporary directory (with the
checkout's ``node_modules`` symlinked in, the checkout's ``.venv/bin`` first on PATH and a
temporary ZKANCHOR_CACHE, so nothing is written into the checkout), extracts the README's
code blocks in order and runs them in one bash session, as a reader would in one terminal.

Conventions (the README states them where it says that its commands run as printed):

- Unlabelled blocks and blocks labelled bash, sh or shell run in bash; python blocks run
  with the venv's ``python`` (tests/test_readme.py also runs them in process, in the fast
  suite); json blocks and other languages are data, not run.
- The README's first block (the demo and the whole test suite) is skipped: the test would recurse.
- Each command (continuation lines joined) must exit 0 — or the code its trailing comment
  names (``# exit 1: ...``); the first one that does not stops the run (``set -e`` semantics).
- A command ending in ``&`` runs in the background; it must still be running when the next
  command has finished (a server that could not start, say on a taken port, fails the run).
  Every background process is killed, by process group, at the end, even on failure.
- What a command's comment quotes ("OK: record 3 was erased", with "..." for elided text)
  must appear in its output.
- Each command has a timeout (COMMAND_TIMEOUT_S).

The README uses anvil on port 8545 and the explorer on 8547: when either port is taken on
this machine the test skips (with the reason) rather than talk to someone else's server.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
VENV_BIN = ROOT / ".venv" / "bin"
PORTS = (8545, 8547)  # anvil, explorer — as the README prints them
COMMAND_TIMEOUT_S = 900  # the slowest command (the checkpointed run) takes a few minutes
SHELL_LANGUAGES = {"", "bash", "sh", "shell"}
FENCE = re.compile(r"^```\s*([A-Za-z0-9_+-]*)\s*$")
EXPECTED_EXIT = re.compile(r"\bexit (\d+)\b")
QUOTED = re.compile(r'"([^"]+)"')


@dataclass
class Command:
    line: int  # 1-based README line where the command starts
    text: str  # as printed (continuation lines and trailing comment included)
    expected: int = 0
    background: bool = False
    python: bool = False  # a whole ```python block
    prints: tuple[str, ...] = ()  # what its comment quotes, "..." elided: found in its output, in order


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of one shell line: a ``#`` starting a word outside quotes opens the comment."""
    quote, escaped = None, False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1:]
    return line, ""


def readme_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(language, line of the first body line, body lines) of every fenced block, in order."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        blocks.append((m.group(1).lower(), i + 2, lines[i + 1:j]))
        i = j + 1
    return blocks


def readme_commands(text: str) -> list[Command]:
    """The commands the README promises run, in order (see the module docstring)."""
    commands: list[Command] = []
    for index, (language, first, body) in enumerate(readme_blocks(text)):
        if index == 0:  # `bash scripts/demo.sh` and `bash scripts/test.sh`: this test would recurse
            continue
        if language == "python":
            commands.append(Command(first, "\n".join(body), python=True))
            continue
        if language not in SHELL_LANGUAGES:
            continue
        pending: list[str] = []
        start = 0
        for offset, raw in enumerate(body):
            if not pending:
                if not raw.strip() or raw.lstrip().startswith("#"):
                    continue
                start = first + offset
            pending.append(raw)
            code, comment = _split_comment(raw)
            if code.rstrip().endswith("\\") and not comment:
                continue
            commands.append(Command(
                start, "\n".join(pending),
                expected=int(m.group(1)) if (m := EXPECTED_EXIT.search(comment)) else 0,
                background=code.rstrip().endswith("&") and not code.rstrip().endswith("&&"),
                prints=tuple(part.strip() for quote in QUOTED.findall(comment)
                             for part in quote.split("...") if part.strip()),
            ))
            pending = []
        assert not pending, f"README.md:{start}: a block ends in a continuation line"
    return commands


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _group_alive(pgid: int) -> bool:
    """Whether a process of group PGID is still running (zombies do not count)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _kill_session(shell: subprocess.Popen) -> None:
    """Kill the shell and everything it started (its process group), TERM first, then KILL."""
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(shell.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            shell.poll()
            if not _group_alive(shell.pid):
                break
            time.sleep(0.1)
        else:
            continue
        break
    try:
        shell.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(no output)"


def _copy_checkout(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if not src.is_file():  # tracked but deleted in the working tree
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name, follow_symlinks=False)
    if (ROOT / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(ROOT / "node_modules")


def run_commands(commands: list[Command], work: Path, logs: Path, env: dict[str, str],
                 timeout_s: float = COMMAND_TIMEOUT_S) -> list[tuple[float, Command]]:
    """Run COMMANDS in one bash session in WORK; pytest.fail at the first that breaks a rule.

    Returns (seconds, command) per command.  Every process the session started is killed,
    by process group, before this returns or fails.
    """
    status_r, status_w = os.pipe()
    with (logs / "shell.log").open("wb") as shell_log:
        shell = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=work, env=env,
                                 stdin=subprocess.PIPE, stdout=shell_log, stderr=subprocess.STDOUT,
                                 pass_fds=(status_w,), start_new_session=True)
    os.close(status_w)
    background: dict[int, int] = {}  # pid -> index of the command that started it
    timings: list[tuple[float, Command]] = []
    buffer = b""
    try:
        for i, cmd in enumerate(commands):
            log = logs / f"{i:03d}.log"
            where = f"README.md:{cmd.line}: {cmd.text}"
            if cmd.python:
                script = logs / f"readme-{cmd.line}.py"
                script.write_text(cmd.text + "\n")
                body = f"python {script}"
            else:
                body = cmd.text
            # Braces, not a subshell: variables and jobs stay in the session.  stdin is
            # /dev/null so that no command reads the script; the status fd is closed for it.
            shell.stdin.write((f"{{ {body}\n}} > {log} 2>&1 < /dev/null {status_w}>&-\n"
                               f"echo \"{i} $? $!\" >&{status_w}\n").encode())
            shell.stdin.flush()
            started = time.monotonic()
            deadline = started + timeout_s
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"{where}\ndid not finish within {timeout_s:.0f} s\n"
                                f"--- output (tail) ---\n{_tail(log)}")
                ready, _, _ = select.select([status_r], [], [], min(remaining, 1.0))
                chunk = os.read(status_r, 4096) if ready else b""
                buffer += chunk
                if not chunk and shell.poll() is not None:
                    pytest.fail(f"{where}\nthe shell exited ({shell.returncode})\n"
                                f"--- output (tail) ---\n{_tail(log)}\n{_tail(logs / 'shell.log')}")
            raw, buffer = buffer.split(b"\n", 1)
            timings.append((time.monotonic() - started, cmd))
            index, rc, last_bg = (raw.decode().split(" ") + [""])[:3]
            assert int(index) == i, raw
            if int(rc) != cmd.expected:
                pytest.fail(f"{where}\nexited {rc}, expected {cmd.expected}\n"
                            f"--- output (tail) ---\n{_tail(log)}")
            output, at = (log.read_text(errors="replace") if log.exists() else ""), 0
            for part in cmd.prints:
                found = output.find(part, at)
                if found < 0:
                    pytest.fail(f"{where}\ndid not print {part!r}, as its comment says\n"
                                f"--- output (tail) ---\n{_tail(log)}")
                at = found + len(part)
            if cmd.background:
                background[int(last_bg)] = i
            elif re.match(r"\s*kill\b", cmd.text):
                background.clear()  # the README stopped its servers itself
            else:
                for pid, j in background.items():
                    if not _alive(pid):
                        pytest.fail(f"README.md:{commands[j].line}: {commands[j].text}\nthe background "
                                    f"command had died when README.md:{cmd.line} finished\n"
                                    f"--- output (tail) ---\n{_tail(logs / f'{j:03d}.log')}")
        return timings
    finally:
        try:
            shell.stdin.close()
        except OSError:
            pass
        _kill_session(shell)
        os.close(status_r)


def test_readme_commands_parse():
    """The parser sees what the README prints (a cheap guard for the conventions)."""
    text = README.read_text()
    assert readme_blocks(text)[0][2] == ["bash scripts/demo.sh", "bash scripts/test.sh"], \
        "the README's first block is the one this test skips: the set-up commands"
    commands = readme_commands(text)
    assert not any(c.text.startswith("bash scripts/") for c in commands)
    assert any(c.background for c in commands)
    assert any(c.expected == 1 for c in commands) and any(c.expected == 2 for c in commands)
    assert any(c.python for c in commands)


def test_the_runner_enforces_the_conventions(tmp_path):
    """The runner itself: exit codes named in comments, failures located, servers checked and killed."""
    env = dict(os.environ)
    text = """```
not run: the first block
```

```json
{"not": "run"}
```

```
X=$(echo 41)
test "$X" = 41 && \\
    echo continued
false   # exit 1: as the comment says
echo "a b c" "d e"   # prints "a ... c", then "d"
sleep 300 &    # a server
echo $! > sleeper.pid
echo "# not a comment" && test -n "$X"
```

```python
import sys; print(sys.version)
```

```bash
ls no-such-file   # fails: exit 0 expected
```
"""
    commands = readme_commands(text)
    assert [(c.line, c.expected, c.background, c.python) for c in commands] == [
        (10, 0, False, False), (11, 0, False, False), (13, 1, False, False), (14, 0, False, False),
        (15, 0, True, False), (16, 0, False, False), (17, 0, False, False), (21, 0, False, True),
        (25, 0, False, False)]
    assert commands[3].prints == ("a", "c", "d")
    with pytest.raises(pytest.fail.Exception) as failed:
        run_commands(commands, tmp_path, tmp_path, env)
    message = str(failed.value)
    assert message.startswith("README.md:25: ls no-such-file") and "exited 2, expected 0" in message
    assert "No such file" in message
    sleeper = int((tmp_path / "sleeper.pid").read_text())
    deadline = time.monotonic() + 10
    while _alive(sleeper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(sleeper), "the background command outlived the run"
    # Output the comment quotes must be there.
    wrong = readme_commands('```\n```\n\n```\necho "a b"   # "b ... a"\n```\n')
    with pytest.raises(pytest.fail.Exception, match="did not print 'a', as its comment says"):
        run_commands(wrong, tmp_path, tmp_path, env)
    # A server that dies is reported against the line that started it.
    dying = readme_commands("```\n```\n\n```\nsh -c 'echo cannot bind; exit 3' &\nsleep 1\n```\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        run_commands(dying, tmp_path, tmp_path, env)
    assert str(failed.value).startswith("README.md:5: sh -c") and "cannot bind" in str(failed.value)
    # A command that hangs is stopped at its timeout.
    hanging = readme_commands("```\n```\n\n```\nsleep 30\n```\n")
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="README.md:5: sleep 30\ndid not finish within 2 s"):
        run_commands(hanging, tmp_path, tmp_path, env, timeout_s=2)
    assert time.monotonic() - started < 20


def test_readme_commands_run_as_printed():
    if not (VENV_BIN / "zkanchor").exists():
        pytest.skip(f"needs the project's environment ({VENV_BIN}/zkanchor): run scripts/setup.sh")
    if not (ROOT / "node_modules" / ".bin" / "anvil").exists() or shutil.which("node") is None:
        pytest.skip("needs the npm toolchain (node_modules/.bin) and node: run scripts/setup.sh")
    taken = [p for p in PORTS if _port_taken(p)]
    if taken:
        pytest.skip(f"port(s) {', '.join(map(str, taken))} on 127.0.0.1 taken on this machine; the README's "
                    "commands use 8545 (anvil) and 8547 (the explorer), and would talk to that server")
    commands = readme_commands(README.read_text())
    with tempfile.TemporaryDirectory(prefix="zkanchor-readme-") as tmp:
        tmp = Path(tmp)
        work, logs, cache = tmp / "checkout", tmp / "logs", tmp / "cache"
        for d in (work, logs, cache):
            d.mkdir()
        _copy_checkout(work)
        # The environment a reader has after `. .venv/bin/activate`; no ZKANCHOR_* setting of
        # this machine leaks in, and every cache goes to the temporary directory.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ZKANCHOR_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(VENV_BIN.parent),
                   ZKANCHOR_CACHE=str(cache), MPLBACKEND="Agg")
        started = time.monotonic()
        timings = run_commands(commands, work, logs, env)
        slowest = sorted(timings, key=lambda t: -t[0])[:8]
        print(f"\n{len(timings)} README commands ran in {time.monotonic() - started:.0f} s; the slowest:\n"
              + "\n".join(f"  {s:6.1f} s  README.md:{c.line}: {c.text.splitlines()[0][:90]}" for s, c in slowest))
