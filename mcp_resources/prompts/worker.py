"""The prompt worker: a child process that compiles and renders templates under hard limits.

Run as `python -m mcp_resources.prompts.worker`; it speaks length-prefixed
JSON on stdin/stdout with the server (`pool.py`). Templates come from prompt
folders (and, through plugins, from anyone), so everything that parses or
runs one happens here, never in the server: the worker's address space is
capped (`RLIMIT_AS`), its CPU time is capped per job (`RLIMIT_CPU`), it cannot
write files or start processes, and the server kills it when a job outlives
its wall-clock limit. Output is streamed and cut at the byte cap.

Jobs:

- `analyze`: compile every prompt of a folder; report each one's undeclared
  variables (the arguments to infer) or its error with file and line.
- `render`: render one prompt with argument values (values, never source).
  `message()`, `resource()`, `image()` and `diff()` leave placeholders marked
  with the job's random nonce; the server turns them into messages, embedded
  resources and images, read through its own read path.
- `diff`: a unified diff of two texts (difflib can be quadratic, so it runs here too).
"""

from __future__ import annotations

import difflib
import json
import os
import resource
import signal
import struct
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import TemplateError

from mcp_resources.prompts.helpers import HELPERS, marker
from mcp_resources.prompts.sandbox import PromptEnvironment

__all__ = ["main"]

_HEADER = struct.Struct(">I")
_ROLES = ("user", "assistant")


class _Limits:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.cpu_s: int = settings["cpu_s"]
        self.output_bytes: int = settings["output_bytes"]
        self.max_embeds: int = settings["max_embeds"]

    def arm_cpu(self) -> None:
        """Allow this job `cpu_s` more seconds of CPU; past that the kernel ends the process."""
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + self.cpu_s + 1
        resource.setrlimit(
            resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard)
        )


def _jail(memory_bytes: int) -> None:
    """Cap memory, forbid writing files and starting processes (best effort off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            vm = next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")), 0)
    except OSError:
        vm = 0
    for limit, value in (
        (resource.RLIMIT_AS, vm + memory_bytes if vm else resource.RLIM_INFINITY),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, 0),
    ):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            sys.stderr.write(f"prompt worker: could not set resource limit {limit}\n")


class _FolderMissing(Exception):
    """The job names a folder this worker has not been sent (or has forgotten)."""


class Worker:
    """One worker's state: its limits and the compiled folders it has seen."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.limits = _Limits(settings)
        self.prepare = None
        if settings.get("plugins"):
            self.prepare = _plugin_preparer(settings["plugins"])
        self._folders: OrderedDict[str, PromptEnvironment] = OrderedDict()

    def environment(self, job: dict[str, Any]) -> PromptEnvironment:
        """The environment of the job's folder (built once per folder version, 32 kept)."""
        key = job["folder"]
        env = self._folders.get(key)
        if env is None:
            if "files" not in job:
                raise _FolderMissing
            env = PromptEnvironment(job["files"])
            if self.prepare is not None:
                self.prepare(env)
            self._folders[key] = env
            if len(self._folders) > 32:
                self._folders.popitem(last=False)
        self._folders.move_to_end(key)
        return env

    def analyze(self, job: dict[str, Any]) -> dict[str, Any]:
        """Compile every prompt of a folder; its variables, or its error with line."""
        env = self.environment(job)
        results: dict[str, Any] = {}
        for name in job["prompts"]:
            try:
                results[name] = {"variables": sorted(self._variables(env, name, set()))}
            except TemplateSyntaxError as exc:
                where = exc.name or name
                results[name] = {"error": f"{where} line {exc.lineno}: {exc.message}"}
            except (TemplateError, RecursionError, MemoryError) as exc:
                results[name] = {"error": f"{name}: {type(exc).__name__}: {exc}"}
        return {"results": results}

    def _variables(self, env: PromptEnvironment, name: str, seen: set[str]) -> set[str]:
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        tree = env.parse(source, name)
        env.compile(tree, name)
        found = set(meta.find_undeclared_variables(tree)) - set(HELPERS) - set(env.globals)
        seen.add(name)
        for included in meta.find_referenced_templates(tree):
            if included is None:
                continue  # a computed name: checked when rendered
            if included not in env.loader.list_templates():  # type: ignore[union-attr]
                raise TemplateSyntaxError(f"includes {included!r}, which is not in this folder", 1, name)
            if included not in seen:
                found |= self._variables(env, included, seen)
        return found

    def render(self, job: dict[str, Any]) -> dict[str, Any]:
        """Render one prompt; output with placeholders, and what they stand for."""
        env = self.environment(job)
        nonce = job["nonce"]
        roles: list[str] = []
        embeds: list[str] = []
        diffs: list[list[str]] = []
        limit = self.limits.max_embeds

        def message(role: str) -> str:
            if role not in _ROLES:
                raise ValueError(f"message() takes 'user' or 'assistant', not {role!r}")
            roles.append(role)
            return marker(nonce, "role", len(roles) - 1)

        def embedder(helper: str, kind: str) -> Callable[[str], str]:
            def embed(uri: str) -> str:
                if not isinstance(uri, str) or not uri:
                    raise ValueError(f"{helper}() needs a URI")
                if len(embeds) + len(diffs) >= limit:
                    raise ValueError(f"a prompt may embed at most {limit} resources")
                embeds.append(uri)
                return marker(nonce, kind, len(embeds) - 1)

            return embed

        def diff(old: str, new: str) -> str:
            if not (isinstance(old, str) and isinstance(new, str) and old and new):
                raise ValueError("diff() needs two URIs")
            if len(embeds) + len(diffs) >= limit:
                raise ValueError(f"a prompt may embed at most {limit} resources")
            diffs.append([old, new])
            return marker(nonce, "diff", len(diffs) - 1)

        template = env.get_template(job["name"])
        helpers = {
            "message": message,
            "resource": embedder("resource", "res"),
            "image": embedder("image", "img"),
            "diff": diff,
        }
        pieces: list[str] = []
        size = 0
        for piece in template.generate({**job["arguments"], **helpers}):
            size += len(piece)
            if size > self.limits.output_bytes:
                return {"error": f"the output passed {self.limits.output_bytes} characters", "limit": True}
            pieces.append(piece)
        return {"text": "".join(pieces), "roles": roles, "embeds": embeds, "diffs": diffs}

    def diff(self, job: dict[str, Any]) -> dict[str, Any]:
        """A unified diff of two texts, cut at the output cap."""
        lines = difflib.unified_diff(
            job["old"].splitlines(keepends=True),
            job["new"].splitlines(keepends=True),
            job["old_name"],
            job["new_name"],
            n=job.get("context", 3),
        )
        pieces: list[str] = []
        size = 0
        for line in lines:
            size += len(line)
            if size > self.limits.output_bytes:
                pieces.append("\n[diff cut: too long]\n")
                break
            pieces.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return {"text": "".join(pieces)}

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Do one job; template faults and limits become an `error`, never a crash."""
        op = getattr(self, job["op"])
        self.limits.arm_cpu()
        try:
            return dict(op(job))
        except _FolderMissing:
            return {"missing": True}
        except TemplateSyntaxError as exc:
            return {"error": f"{exc.name or job.get('name')} line {exc.lineno}: {exc.message}"}
        except MemoryError:
            return {"error": "the memory limit was reached", "limit": True}
        except RecursionError:
            return {"error": "templates nested too deeply", "limit": True}
        except Exception as exc:  # a template's fault, reported with its line where Jinja knows it
            env = self._folders.get(job.get("folder", ""))
            names = set(env.loader.list_templates()) if env and env.loader else set()
            return {"error": _describe(exc, names)}


def _describe(exc: BaseException, names: set[str]) -> str:
    """`name line N: Type: message`, naming the innermost template frame of the traceback."""
    # Jinja rewrites tracebacks so that template frames carry the template's name and line.
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in names:
            where = f"{tb.tb_frame.f_code.co_filename} line {tb.tb_lineno}: "
        tb = tb.tb_next
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return where + text


def _plugin_preparer(options: dict[str, Any]) -> Any:
    """Load the plugins the server loaded, to run their `prepare_jinja2_environment`."""
    from pathlib import Path

    from mcp_resources.plugins import load_plugins

    plugins = load_plugins(
        [Path(d) for d in options["dirs"]],
        options["disable"],
        entry_points=options["entry_points"],
        needed=(),  # no provider is made here: leave the built-in ones unimported
    )
    return plugins.prepare_jinja2_environment


def main() -> None:
    """Serve jobs on stdin/stdout until stdin closes."""
    # Ctrl-C in a terminal reaches the whole process group; the server stops us by closing stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() (a plugin's) must not corrupt the protocol
    sys.stdout = sys.stderr
    settings = _receive(inbox)
    if settings is None:
        return
    worker = Worker(settings)
    _jail(settings["memory_bytes"])
    while (job := _receive(inbox)) is not None:
        reply = worker.run(job)
        data = json.dumps(reply).encode("ascii")
        outbox.write(_HEADER.pack(len(data)) + data)
        outbox.flush()


def _receive(inbox: IO[bytes]) -> dict[str, Any] | None:
    header = inbox.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    message: dict[str, Any] = json.loads(inbox.read(size))
    return message


if __name__ == "__main__":
    main()
