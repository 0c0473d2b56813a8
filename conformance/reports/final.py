"""The reports written once, when a run finishes (to the end or stopped early): each renders the run's results
as the text of one file."""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from contract import Contract

from ..events import Event, RunFinished, RunInfo
from ..findings import Results


class FinalReport(ABC):
    def __init__(self, path: Path, catalog: Contract):
        self.path = path
        self.catalog = catalog

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.write_text(self.render(event.results, event.info), encoding="utf-8")

    @abstractmethod
    def render(self, results: Results, info: RunInfo) -> str:
        """The whole file."""
