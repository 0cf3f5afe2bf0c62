"""The shop's identity from the settings: its brand and wording (prompts file), applied to the catalogue.

Every composition root (the gateway, the Wyoming speaker server, the terminal chat) calls
``configure_shop(settings)`` before any caller-facing text is read: the gateway at app creation (its
Twilio webhook fallbacks speak from the first second), the others through ``build_dialog``. It is
idempotent (the catalogue is reset to its defaults, then the file applied), so calling it from both is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from dialog import catalogue
from dialog.factory import bundled
from dialog.prompts import (
    Brand,
    Prompts,
    greeting_half_overridden,
    load_prompts,
    resolve_brand,
    written_left_default,
)
from telephony.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shop:
    """Who the bot speaks for: the brand (and its source) and the operator's prompts."""

    brand: Brand
    prompts: Prompts
    kb_path: Path

    @property
    def greeting_name(self) -> str:
        """The shop phrase the greeting uses ("sklepu Zielony Ogród"); "" = no brand configured."""
        return catalogue.shop_phrase(self.brand.name)

    @property
    def demo_kb(self) -> bool:
        return self.kb_path == bundled("kb.yaml")


def load_shop(settings: Settings) -> Shop:
    """Read and validate the prompts file and the brand (file reads only: cheap, at start-up).
    Raises ``PromptsError`` (a ValueError, one line naming the file and key)."""
    prompts = load_prompts(settings.prompts_path) if settings.prompts_path else Prompts()
    kb_path = settings.kb_path or bundled("kb.yaml")
    return Shop(resolve_brand(settings.brand_name, prompts, kb_path), prompts, kb_path)


def configure_shop(settings: Settings) -> Shop:
    """``load_shop`` and apply its prompts to this process's catalogue; says what it did in the log."""
    shop = load_shop(settings)
    catalogue.configure(shop.prompts.texts)
    if shop.prompts.texts:
        log.info("prompts: %d catalogue texts from %s", len(shop.prompts.texts), shop.prompts.path)
    if (half := greeting_half_overridden(shop.prompts.texts)) is not None:
        log.warning("%s", half)
    if (written := written_left_default(shop.prompts.texts)) is not None:
        log.warning("%s", written)
    if shop.brand.name is None:
        log.warning(
            "no brand configured (INFOLINIA_BRAND_NAME, 'brand:' in the prompts file or the KB): "
            "the greeting names no brand"
        )
    return shop
