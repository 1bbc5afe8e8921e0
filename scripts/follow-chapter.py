#!/usr/bin/env python3
"""Follows a chapter the way a reader does, and says where it stops matching.

    scripts/follow-chapter.py docs/02-naive-cache.md [docs/03-min-uses.md …]

From a clean state (`scripts/stop.sh`), in one shell that lives for the whole chapter, from the
package root, it runs every block the chapter marks `servers`, `transcript` or `followed`, top
to bottom, exactly as printed: the ports, paths and flags shown, no rewriting. Shell variables and the
current directory carry over from one command to the next, as in a terminal.

- A servers block's `swift run …` lines (and any other server it starts, such as redis-server)
  are what a reader types in a terminal of their own: each runs in the background with its output
  in /tmp/follow-chapter/terminal-N.log, and the next line waits until it listens (its log says
  `listening on http://…`, or Redis's `Ready to accept connections`). Its other lines
  (`scripts/stop.sh`, `rm -rf …`, `mkdir -p …`) run in the shell.
- A transcript block's `$ ` lines run in the shell; standard output and standard error together
  must equal the lines the chapter shows after each. Both sides are normalised as the docs check
  in `swift test` normalises them (Tests/DocsTests/Transcript.swift: Date, Last-Modified and ETag
  values, timings, RFC 3339 times), and nothing else.
- A block marked `<!-- followed: nginx -->` (the comparisons with nginx) is run the same way,
  in its place: a ```sh block's lines as typed (a heredoc is one command; a line ending in `&`
  starts a server in the background and is waited for: `swift run` until it says it listens,
  nginx until the port of its `-c` configuration accepts), a ```console block's commands
  (`> ` lines continue a command that is not complete yet) compared like a transcript's. Without
  nginx installed these blocks are skipped, and said to be (an error where `CI` is set).

The docs check in `swift test` runs the same blocks on free ports against servers it starts from
its own table; this script is the other half: it proves that the chapter's own lines, run in
order in one session, are enough. At the end it stops what it started (`scripts/stop.sh`).
Exit status 0 when every command printed what the chapter shows, 1 otherwise (each mismatch is
printed as a diff), 2 for a usage error.
"""
import difflib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = "/tmp/follow-chapter"
COMMAND_TIMEOUT = 60     # seconds, per command (the docs check allows 30; a reader's first `swift run` builds)
SERVER_TIMEOUT = 300     # seconds until a server listens, a first build included
READY = re.compile(r"listening on http://|Ready to accept connections")
MARKER = re.compile(r"^<!--\s*(servers|transcript|followed):\s*(\S+)(\s+continued)?\s*-->\s*$")

# The docs check's normalisation (OutputNormalizer in Tests/DocsTests/Transcript.swift), rule for
# rule: a rule changed there must be changed here too.
VOLATILE_HEADER = re.compile(r"^([<>] )?(date|last-modified|etag)(:).*$", re.IGNORECASE)
TIMINGS = [
    (re.compile(r"\b(real|user|sys)(\s+)[0-9][0-9hms.:]*"), r"\1\2<time>"),
    (re.compile(r"\b(time_[a-z_]+)=[0-9.]+"), r"\1=<time>"),
    (re.compile(r"\b[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s)\b"), "<duration>"),
    (re.compile(r"\b[0-9][0-9,]* ms\b"), "<duration>"),
    (re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\b"), "<time>"),
]


def normalise(lines):
    result = []
    for line in lines:
        text = line.replace("\r", "").rstrip()
        text = VOLATILE_HEADER.sub(r"\1\2\3 <value>", text)
        for pattern, template in TIMINGS:
            text = pattern.sub(template, text)
        result.append(text)
    while result and result[-1] == "":
        result.pop()
    return result


def blocks(path):
    """The marked blocks of a chapter, in order: (line number, kind, scenario, block lines)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    found, marker, index = [], None, 0
    while index < len(lines):
        line = lines[index]
        match = MARKER.match(line)
        if match:
            marker = (index + 1, match.group(1), match.group(2))
        elif line.startswith("```") and not line.startswith("````"):
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            language = line.strip()[3:]
            if marker and (language == "console" or (marker[1] == "followed" and language == "sh")):
                found.append((marker[0], marker[1] if language == "console" else "followed-sh", marker[2],
                              lines[index + 1:end]))
            marker, index = None, end
        elif line.strip() and not line.startswith("<!--"):
            marker = None
        index += 1
    return found


def is_complete(command):
    """Whether bash reads `command` as complete (no open `for`, quote or heredoc)."""
    check = subprocess.run(["bash", "-n"], input=command + "\n", text=True, capture_output=True)
    return "unexpected end of file" not in check.stderr and "here-document" not in check.stderr


def commands(block_lines):
    """(command, expected output lines) pairs of a console block; `\\` continues a command, and so
    do `> ` lines (the shell's second prompt) while the command is not complete."""
    pairs, index = [], 0
    while index < len(block_lines):
        line = block_lines[index]
        if not line.startswith("$ "):
            index += 1
            continue
        command = line[2:]
        while command.endswith("\\") and index + 1 < len(block_lines):
            index += 1
            command += "\n" + block_lines[index]
        while (index + 1 < len(block_lines) and block_lines[index + 1].startswith("> ")
               and not is_complete(command)):
            index += 1
            command += "\n" + block_lines[index][2:]
        index += 1
        output = []
        while index < len(block_lines) and not block_lines[index].startswith("$ "):
            output.append(block_lines[index])
            index += 1
        pairs.append((command, output))
    return pairs


def without_comment(command):
    """A servers line without its `# terminal N` note."""
    if "\n" in command:
        return command
    return re.sub(r"[ \t]+#[^'\"]*$", "", command)


class Shell:
    """One bash for the whole chapter; each command's output is read up to a marker line."""

    def __init__(self):
        # A session of its own, so that everything it started can be killed at once if need be.
        self.process = subprocess.Popen(["bash", "--norc", "--noprofile"], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.count = 0

    def run(self, command, timeout=COMMAND_TIMEOUT):
        self.count += 1
        marker = f"__follow_chapter_done_{self.count}__"
        script = "{\n" + command + "\n} 2>&1\nprintf '\\n%s\\n' " + marker + "\n"
        self.process.stdin.write(script.encode())
        self.process.stdin.flush()
        output, deadline = b"", time.monotonic() + timeout
        while not output.endswith(f"\n{marker}\n".encode()):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(0, remaining))
            if not ready:
                raise TimeoutError(f"no end after {timeout} s: {command}")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"the shell ended during: {command}")
            output += chunk
        text = output[:-len(f"\n{marker}\n")].decode("utf-8", "replace")
        return text.split("\n")

    def kill(self):
        """Kills the shell and everything it started, the command that did not end included."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def sh_commands(block_lines):
    """The commands of a ```sh block, as typed: one per line, a heredoc with its lines."""
    result, index = [], 0
    while index < len(block_lines):
        command = block_lines[index]
        index += 1
        heredoc = re.search(r"<<-?\s*'?([A-Za-z_]+)'?", command)
        if heredoc:
            while index < len(block_lines) and block_lines[index] != heredoc.group(1):
                command += "\n" + block_lines[index]
                index += 1
            command += "\n" + heredoc.group(1)
            index += 1
        if command.strip() and not command.lstrip().startswith("#"):
            result.append(command)
    return result


def nginx_port(command):
    """The port of the first `listen` in the configuration an nginx command line names with -c."""
    match = re.search(r"-c\s+(\S+)", command)
    try:
        text = open(os.path.join(ROOT, match.group(1)), encoding="utf-8").read()
    except (AttributeError, OSError):
        return None
    port = re.search(r"^\s*listen\s+(?:[0-9.]+:)?([0-9]+)", text, re.MULTILINE)
    return int(port.group(1)) if port else None


def accepts(port):
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_server(shell, command, terminal):
    """Runs a server line as in a terminal of its own, and waits until it listens."""
    log = f"{LOGS}/terminal-{terminal}.log"
    pid = shell.run(f"rm -f {log}; ( {command} ) >{log} 2>&1 & echo $!")[0].strip()
    port = nginx_port(command) if re.match(r"\s*nginx\s", command) else None
    deadline = time.monotonic() + SERVER_TIMEOUT
    while time.monotonic() < deadline:
        text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
        if READY.search(text) or (port is not None and accepts(port)):
            return None
        if shell.run(f"kill -0 {pid} 2>/dev/null && echo running")[0] != "running":
            return f"`{command}` ended before it listened; its output ({log}):\n{text}"
        time.sleep(0.1)
    return f"`{command}` did not listen within {SERVER_TIMEOUT} s ({log})"


def stop(shell):
    """Stops the chapter's servers as a reader would, then anything of this shell left running."""
    if shell.process.poll() is not None:
        # The shell was killed after a command that did not end, with what it started; stop
        # anything of the chapter's that runs elsewhere all the same.
        subprocess.run(["scripts/stop.sh"], cwd=ROOT, stdout=subprocess.DEVNULL)
        return
    shell.run("scripts/stop.sh >/dev/null")
    deadline = time.monotonic() + 30
    while shell.run("jobs -pr")[0] != "" and time.monotonic() < deadline:
        time.sleep(0.2)
    shell.run("jobs -pr | xargs -r kill -KILL; wait")
    shell.close()


def typed_commands(kind, block_lines):
    """(command, whether it starts a server) for each line a reader types from a servers block
    (`swift run`, redis-server or the session origin start a server) or a followed ```sh block
    (a line ending in `&` does)."""
    if kind == "servers":
        for command, _ in commands(block_lines):
            command = without_comment(command)
            yield command, re.search(r"(^|\s)(swift run|redis-server|python3 scripts/session-origin\.py)\s", command + " ") is not None
    else:
        for command in map(without_comment, sh_commands(block_lines)):
            is_server = command.endswith("&") and not command.endswith("&&")
            yield (command[:-1].strip() if is_server else command), is_server


def follow(chapter):
    print(f"== {chapter}")
    shell, failures, terminal, skipped = Shell(), 0, 0, set()
    try:
        shell.run("scripts/stop.sh >/dev/null")
        for line, kind, scenario, block_lines in blocks(chapter):
            if kind.startswith("followed") and not has(scenario):
                skipped.add(scenario)
                continue
            if kind in ("servers", "followed-sh"):
                print(f"  {chapter}:{line}: {'servers ' + scenario if kind == 'servers' else f'commands ({scenario})'}")
                for command, is_server in typed_commands(kind, block_lines):
                    if not is_server:
                        shell.run(command)
                        continue
                    terminal += 1
                    problem = start_server(shell, command, terminal)
                    if problem:
                        # Nothing after this can print what the chapter shows.
                        print(f"  {chapter}:{line}: {problem}")
                        print("  stopped here: a server the chapter starts did not start")
                        return failures + 1
                continue
            print(f"  {chapter}:{line}: {'transcript' if kind == 'transcript' else 'commands'} {scenario}")
            for command, expected in commands(block_lines):
                try:
                    actual = shell.run(command)
                except TimeoutError as error:
                    # The command is still running in the shell: what follows cannot be trusted.
                    print(f"  {chapter}:{line}: {error}")
                    print("  stopped here: a command did not end")
                    shell.kill()
                    return failures + 1
                want, got = normalise(expected), normalise(actual)
                if want != got:
                    failures += 1
                    print(f"  {chapter}:{line}: $ {command}")
                    for diff_line in list(difflib.unified_diff(want, got, "chapter", "printed", lineterm=""))[2:]:
                        print("    " + diff_line)
    finally:
        stop(shell)
    for need in sorted(skipped):
        print(f"  skipped the blocks that need {need}: it is not installed")
        if os.environ.get("CI"):
            failures += 1
    print(f"  {'ok' if failures == 0 else f'{failures} mismatch(es)'}")
    return failures


def has(program):
    """Whether `program` is installed (nginx lives in /usr/sbin, outside some users' PATH)."""
    return shutil.which(program) is not None or os.path.exists(f"/usr/sbin/{program}")


def main(arguments):
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if arguments else 2
    os.makedirs(LOGS, exist_ok=True)
    missing = [path for path in arguments if not os.path.isfile(path)]
    if missing:
        print(f"error: no such chapter: {', '.join(missing)}", file=sys.stderr)
        return 2
    failures = sum(follow(path) for path in arguments)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
