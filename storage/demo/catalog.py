"""The seller's catalogue: what the demo's orders buy, with a Japanese name where the JP files need one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Product:
    sku: str
    asin: str
    fnsku: str
    name: str
    price: float
    channel: str  # mfn | afn
    weight: int  # relative popularity
    name_ja: str | None = None  # JP files are Shift-JIS: accented Latin names do not encode there


CATALOG: Final = (
    Product(
        "HB-TORCH-01",
        "B0C7K2M4QX",
        "X002F4K8ZR",
        "Crème Brûlée Torch Kit – Refillable Butane",
        24.99,
        "mfn",
        9,
        "クレームブリュレ バーナー",
    ),
    Product(
        "HB-FROTH-02",
        "B0B9T3L7WD",
        "X002G7P1QM",
        "Café Barista Milk Frother™, Stainless Steel",
        19.99,
        "mfn",
        12,
        "カフェ ミルクフォーマー",
    ),
    Product(
        "HB-SAUCE-03",
        "B09XK4N2JH",
        "X001Z9Y3TB",
        "Jalapeño Hot Sauce Gift Set (4 x 5 oz)",
        29.95,
        "mfn",
        7,
        "ハラペーニョ ホットソース 4本セット",
    ),
    Product(
        "HB-CANDLE-04",
        "B0BQ2W8RZL",
        "X002H1V6NC",
        "Piña Colada Scented Soy Candle, 8 oz",
        16.50,
        "mfn",
        6,
        "ピニャコラーダ ソイキャンドル",
    ),
    Product("HB-BOARD-05", "B08L5R7MVK", "X001P3D8WA", "Bamboo Cutting Board Set, 3 Pieces", 27.99, "mfn", 10),
    Product("HB-SKILLET-06", "B07ZQ6H3XN", "X001K7S2LE", "Cast Iron Skillet 10-inch, Pre-Seasoned", 34.99, "mfn", 8),
    Product("HB-BOTTLE-07", "B09M8C1TPS", "X002A5J9RU", "Stainless Steel Water Bottle 32 oz", 21.99, "mfn", 11),
    Product("HB-MAT-08", "B08F2Y9GQD", "X001R8T4HY", "Silicone Baking Mat, Set of 2", 12.99, "mfn", 9),
    Product("HB-KNIFE-09", "B0CB6N4KZW", "X002M3E7DJ", "Chef's Knife 8-inch German Steel", 44.00, "mfn", 5),
    Product("HB-DRIP-10", "B0B1V7X5CF", "X002C9W2GN", "Pour-Over Coffee Dripper, Ceramic", 18.75, "mfn", 6),
    Product("HB-TOWEL-11", "B09D3S6QLA", "X001W4B6MV", "Linen Tea Towels, 4 Pack", 22.00, "mfn", 4),
    Product("HB-GLASS-12", "B08T9K2RYE", "X001V2N5QK", "Glass Food Storage Containers, 10 Piece", 39.99, "mfn", 7),
    Product(
        "FBA-MATCHA-13",
        "B0CJ4P8WNT",
        "X002Q6R3LS",
        "Matcha Whisk Set – Bamboo Chasen",
        23.50,
        "afn",
        8,
        "抹茶 茶筅セット",
    ),
    Product("FBA-SCALE-14", "B07XJ1M6DH", "X001J8C4PW", "Digital Kitchen Scale, 11 lb", 15.99, "afn", 12),
    Product("FBA-WRAP-15", "B08P4Z7KGB", "X001T6H9FX", "Reusable Beeswax Wraps, Assorted 6 Pack", 17.49, "afn", 9),
    Product(
        "FBA-CREPE-16", "B0BD5G2YVR", "X002E1K7MZ", "Crêpe Pan 10-inch Nonstick", 32.99, "afn", 6, "クレープパン 25cm"
    ),
    Product(
        "FBA-STEAM-17",
        "B0C2R9T4JQ",
        "X002J5X8BD",
        "Electric Milk Frother & Steamer™",
        49.99,
        "afn",
        7,
        "電動ミルクフォーマー",
    ),
    Product("FBA-LABEL-18", "B09QW3E6NU", "X002B8L1TK", "Spice Jar Labels, 160 Pre-Printed", 9.99, "afn", 10),
    Product("FBA-HERB-19", "B08Y6V1SDM", "X001M2G7XC", "Herb Keeper Fresh Storage Pod", 26.95, "afn", 5),
    Product("FBA-SPIN-20", "B07S3N8FLP", "X001D5Q3JR", "Salad Spinner 5 Qt, BPA-Free", 28.49, "afn", 6),
)
