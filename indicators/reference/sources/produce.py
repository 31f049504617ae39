"""All the actual files the adapters write (``python3 -m indicators sources``), from the shared folder.

The full tables come first (PAPI, PCI 2005–2016, PCI 2017–2023, DTI); the press figures are merged last,
against them and the hand-entered ``published.csv``, so that no province, indicator and period is held by two
files (the build would refuse it) and a press figure that disagrees stops the run with both figures named.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.errors import Bilingual
from indicators.i18n import bilingual
from indicators.reference.sources import SourceFormatError, read_actuals
from indicators.reference.sources.dti import read_dti
from indicators.reference.sources.papi import read_papi_csv
from indicators.reference.sources.pci import read_pci
from indicators.reference.sources.pci_recent import read_pci_recent
from indicators.reference.sources.press import merge_press, read_press

HAND_ENTERED = "published.csv"
PRESS_FILE = "published_extra/press_figures_2012_2023.csv"
# what the adapters read in the shared folder (docs/data-sources.md says where each comes from)
NEEDED = ("papi", "pci", "pci_2017_2023", "pci_2017_2023/dti", PRESS_FILE, "geo")


class SharedFolderMissing(Bilingual, FileNotFoundError):
    """The shared reference folder, or a part of it the adapters read, is not there."""


def check_shared(shared: Path) -> None:
    """Refuse, naming what is missing and what the command needs, before any file is read or written."""
    missing = [name for name in NEEDED if not (shared / name).exists()]
    if missing:
        raise SharedFolderMissing(*bilingual("cli_sources_missing", folder=str(shared), missing=", ".join(missing),
                                             needed=", ".join(NEEDED)))


def produced_actuals(shared: Path, registry: Registry, actuals_dir: Path) -> dict[str, pd.DataFrame]:
    """File name in ``data/actuals`` → its figures; ``shared`` is ``../shared/data``."""
    check_shared(shared)
    frames = {
        "papi.csv": read_papi_csv(shared / "papi", registry),
        "pci.csv": read_pci(shared / "pci", registry),
        "pci_2017_2023.csv": read_pci_recent(shared / "pci_2017_2023", registry),
        "dti.csv": read_dti(shared / "pci_2017_2023", registry),
    }
    hand_entered = read_actuals(actuals_dir / HAND_ENTERED)
    frames["press.csv"] = press_rows(shared, registry, {**frames, HAND_ENTERED: hand_entered})
    return frames


def press_rows(shared: Path, registry: Registry, held: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The press figures that no file of ``held`` has; a disagreement with one of them stops the run."""
    path = shared / PRESS_FILE
    merge = merge_press(read_press(path, registry), held, path.name)
    if merge.conflicts:
        raise SourceFormatError("press figures that disagree with figures already held (keep one, by hand):\n- "
                                + "\n- ".join(merge.conflicts))
    return merge.rows
