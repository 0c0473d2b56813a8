"""Teams and their tokens, read from a fixtures file: who is calling, for auth and team scoping."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contract import data_dir, load_yaml

from .engine import Caller

FIXTURES = data_dir("fixtures")


@dataclass
class Team:
    key: str
    id: int
    name: str
    credits: int


class Directory:
    def __init__(self, teams: list[Team], tokens: dict[str, Caller], open_to_all: bool = False):
        self.teams = {t.key: t for t in teams}
        self.tokens = tokens
        # a spec without fixtures: every well-formed credential is a caller of one default team, as Prism
        # accepts any credential
        self.open = open_to_all

    @classmethod
    def anyone(cls) -> Directory:
        return cls([Team("default", 1, "Default team", 10_000)], {}, open_to_all=True)

    @classmethod
    def from_file(cls, path: str | Path) -> Directory:
        raw = load_yaml(path)
        teams = [Team(t["key"], int(t["id"]), t.get("name", t["key"]), int(t.get("credits", 0))) for t in raw["teams"]]
        by_key = {t.key: t for t in teams}
        tokens = {}
        for token, info in raw["tokens"].items():
            team = by_key[info["team"]]
            tokens[str(token)] = Caller(str(token), team.key, team.id, int(info.get("user_id", team.id * 10 + 1)),
                                        bool(info.get("admin", False)))
        return cls(teams, tokens)

    def caller(self, token: str | None) -> Caller | None:
        if not token:
            return None
        found = self.tokens.get(token)
        if found is None and self.open:
            found = Caller(token, "default", 1, 11)
        return found


def default_fixtures(spec_path: Path) -> Path | None:
    """The spec's own fixtures (`fixtures/<spec>.teams.yaml`), or None: a spec without them gets no tokens of
    another API's."""
    candidate = FIXTURES / f"{spec_path.stem}.teams.yaml"
    return candidate if candidate.exists() else None


def directory_for(spec_path: Path, fixtures: str | Path | None) -> Directory:
    path = fixtures or default_fixtures(spec_path)
    return Directory.from_file(path) if path else Directory.anyone()
