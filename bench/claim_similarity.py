"""How far the embedder's similarity separates a claim's own source sentence from the nearest other sentence.

Claims are hand-written paraphrases (Arabic) and translations (English) of demo-corpus sentences. For each,
the cosine to its source and the highest cosine to any other sentence are printed, then the acceptance rate
at candidate thresholds: the basis for ``VerifyRules``' similarity thresholds. Needs the demo index
(``make index``).
"""

from __future__ import annotations

import numpy as np

from dalil.index.loaded import open_index
from dalil.settings import Settings

CLAIMS = [
    (
        "Sergei Shoigu and his Armenian counterpart signed a regional air defence agreement on 23 December.",
        "d87eaf9f3eede137:0",
    ),
    ("The agreement was signed after a bilateral meeting of the two ministers in Moscow.", "d87eaf9f3eede137:1"),
    ("Russia is creating joint air defence systems with Kyrgyzstan and Tajikistan.", "d87eaf9f3eede137:2"),
    ("A similar agreement was signed with Kazakhstan in 2013.", "d87eaf9f3eede137:3"),
    ("Russia delivered S-300 missile systems to Kazakhstan.", "d87eaf9f3eede137:6"),
    ("CIS leaders adopted a statement on fighting international terrorism.", "0371727cdac6d373:1"),
    ("Putin said the Russian operation in Syria is tied in time to the Syrian army's offensive.", "0371727cdac6d373:5"),
    ("The 2022-2024 defence partnership programme was signed on 9 November 2021.", "15f5d0d3a008a1c7:0"),
    ("The ministers agreed on a cooperation plan for 2022.", "15f5d0d3a008a1c7:2"),
    ("The meeting was to discuss more than 30 topics.", "56b57c2732ffdfb5:5"),
    ("Shoigu thanked Kazakhstan for supporting Russian test sites.", "15f5d0d3a008a1c7:4"),
    ("Leaders of former Soviet states met in Moscow to discuss security and the economy.", "56b57c2732ffdfb5:2"),
    ("وقّع شويغو ونظيره الأرميني اتفاق الدفاع الجوي الموحد في 23 ديسمبر.", "d87eaf9f3eede137:0"),
    ("سلّمت روسيا كازاخستان منظومات إس-300.", "d87eaf9f3eede137:6"),
    ("وافق الوزيران على خطة تعاون للعام 2022.", "15f5d0d3a008a1c7:2"),
    ("ناقش الاجتماع أكثر من 30 موضوعا.", "56b57c2732ffdfb5:5"),
    ("دعا بوتين إلى التعاون ضمن مركز بغداد المعلوماتي.", "0371727cdac6d373:7"),
    ("تعمل روسيا على نظامين موحدين للدفاع الجوي مع قرغيزستان وطاجيكستان.", "d87eaf9f3eede137:2"),
]


def main() -> None:
    index = open_index(Settings())
    ids = [s.id for d in index.list_documents() for s in index.sentences(d.id)]
    rows = []
    for claim, source in CLAIMS:
        vector = index.embedder.embed_passages([claim])[0]
        sims = index.sentence_similarities(vector, ids)
        other = max(v for k, v in sims.items() if k != source)
        script = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in claim) else "en"
        rows.append((script, sims[source], other))
        print(f"{script}  own {sims[source]:.3f}  best other {other:.3f}  {claim[:60]}")
    for script in ("ar", "en"):
        own = np.array([r[1] for r in rows if r[0] == script])
        other = np.array([r[2] for r in rows if r[0] == script])
        print(f"\n{script}: own min {own.min():.3f} mean {own.mean():.3f}; best-other max {other.max():.3f}")
        for threshold in (0.80, 0.82, 0.84, 0.85, 0.86, 0.88, 0.90):
            print(
                f"  threshold {threshold:.2f}: own accepted {np.mean(own >= threshold):.2f}, "
                f"best other accepted {np.mean(other >= threshold):.2f}"
            )


if __name__ == "__main__":
    main()
