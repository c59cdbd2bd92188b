"""Loading prompt folders: reading them and settling names, then compiling each prompt in a worker.

Reading (`scan_folders`) is blocking and runs in a thread; compiling
(`compile_prompts`) asks the worker pool to analyse each template and infer
its arguments. Separate from the registry, which serves what a load gives,
watches the folders and reloads: a load is what start-up and every reload
share, and it needs none of the registry's state but the last results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp_resources.errors import InvalidRequest
from mcp_resources.prompts.files import FolderFiles, PromptFolder, default_name, read_folder
from mcp_resources.prompts.frontmatter import ArgumentSpec, FrontMatter, FrontMatterError, read_front_matter
from mcp_resources.prompts.pool import JobFailed, WorkerPool

__all__ = ["Prompt", "Scan", "compile_prompts", "scan_folders"]


@dataclass(frozen=True)
class Prompt:
    """A prompt ready to render."""

    name: str
    title: str | None
    description: str | None
    arguments: tuple[tuple[str, ArgumentSpec], ...]
    file: str
    """Its file in its folder."""
    folder: FolderFiles

    def argument(self, name: str) -> ArgumentSpec:
        """The spec of argument `name`, or -32602 naming it."""
        for argument, spec in self.arguments:
            if argument == name:
                return spec
        raise InvalidRequest(
            f"Prompt {self.name!r} has no argument {name!r}", prompt=self.name, argument=name
        )


@dataclass
class Scan:
    """What reading the folders found: their files, a draft of each prompt by name, and what is wrong."""

    folders: list[FolderFiles] = field(default_factory=list)
    drafts: dict[str, tuple[str, FolderFiles, FrontMatter]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)


def scan_folders(folders: Sequence[PromptFolder]) -> Scan:
    """Read every folder; settle names from file names and front matter (blocking)."""
    scan = Scan()
    for folder in folders:
        files = read_folder(folder)
        scan.folders.append(files)
        scan.problems += files.problems
        for file in files.prompts():
            try:
                front = read_front_matter(files.files[file])
            except FrontMatterError as exc:
                scan.problems.append(f"{folder.label}/{file}: {exc}; prompt left out")
                continue
            name = front.name or default_name(file)
            if name in scan.drafts:
                first, first_folder, _ = scan.drafts[name]
                scan.clashes.append(
                    f"prompt {name!r} is defined twice: {first_folder.folder.label}/{first} and "
                    f'{folder.label}/{file}; rename one (front matter: name = "...") or drop its source'
                )
                continue
            scan.drafts[name] = (file, files, front)
    return scan


async def compile_prompts(
    pool: WorkerPool, scan: Scan, known: Mapping[tuple[str, str], dict[str, Any]]
) -> tuple[dict[str, Prompt], list[str], dict[tuple[str, str], dict[str, Any]]]:
    """Compile the prompts of `scan` in `pool`, reusing `known` results (by folder key and file).

    Returns the prompts by name, what was left out and why (one line each), and
    the worker's results by (folder key, file) for the next load to reuse.
    """
    problems = [*scan.problems, *(f"{clash}; the second is left out" for clash in scan.clashes)]
    analysis: dict[tuple[str, str], dict[str, Any]] = {}
    prompts: dict[str, Prompt] = {}
    for name, (file, folder, front) in scan.drafts.items():
        # A folder's key changes with any of its files (partials too): unchanged ones need no worker.
        result = known.get((folder.key, file))
        if result is None:
            job = {"op": "analyze", "folder": folder.key, "prompts": [file]}
            try:
                reply = await pool.run(job, folder.files)
            except JobFailed as exc:
                problems.append(f"{folder.folder.label}/{file}: {exc.message}; prompt left out")
                continue
            result = reply["results"][file]
        analysis[folder.key, file] = result
        if "error" in result:
            problems.append(f"{folder.folder.label}/{result['error']}; prompt {name!r} left out")
            continue
        variables: list[str] = result["variables"]
        if front.arguments is None:
            arguments = tuple((v, ArgumentSpec()) for v in variables)
        else:
            unknown = [v for v in variables if v not in front.arguments]
            if unknown:
                problems.append(
                    f"{folder.folder.label}/{file}: uses {', '.join(map(repr, unknown))}, not declared "
                    f"in its front matter [arguments]; declare it or fix the name; prompt left out"
                )
                continue
            arguments = tuple(front.arguments.items())
        prompts[name] = Prompt(name, front.title, front.description, arguments, file, folder)
    return prompts, problems, analysis
