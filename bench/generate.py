"""A deterministic synthetic French book: `python -m bench.generate OUT --chapters N`.

Each chapter holds about 3,000 words in sections and subsections, with footnotes, a
table, two lists, a code block, a quotation and a figure, so that 30 chapters make a
book of about 100,000 words. The same arguments always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = (
    "analyse archive atelier auteur avenir calcul chapitre citoyen commun connaissance continent corpus "
    "culture donnée droit école édition effort énergie enquête entreprise équilibre espace esprit état "
    "europe exemple expérience fabrique histoire idée industrie instrument jugement langue lecteur liberté "
    "livre logiciel machine manière marché mémoire méthode modèle monde mouvement musée nation nombre "
    "œuvre ouverture page papier paysage pensée politique pouvoir pratique presse principe projet public "
    "question raison recherche réseau ressource savoir science siècle société source souveraineté "
    "stratégie structure système technique temps territoire texte théorie travail univers usage valeur "
    "ville voix"
).split()
ADJECTIVES = (
    "ancien commun critique décisif européen fragile général humain immense local lent libre long "
    "modeste moderne nouveau ouvert particulier patient précis public rare réel simple singulier social "
    "solide technique vaste vivant"
).split()
VERBS = (
    "accompagne affirme annonce change compose construit décrit dessine distingue éclaire engage "
    "explique fonde garde interroge mesure montre nourrit oriente partage permet porte précise prépare "
    "protège rappelle relie rend renouvelle suppose transforme traverse"
).split()
OPENINGS = (
    "Pourtant",
    "Ainsi",
    "De plus",
    "En somme",
    "Au fond",
    "Dès lors",
    "Certes",
    "Enfin",
    "Souvent",
    "Parfois",
    "Aujourd'hui",
    "Autrefois",
)


def sentence(rng: random.Random) -> str:
    """About fifteen words, with the punctuation French typography works on ("?", ":", quotes)."""
    parts = [
        f"le {rng.choice(WORDS)} {rng.choice(ADJECTIVES)}",
        rng.choice(VERBS),
        f"la {rng.choice(WORDS)} de {rng.choice(WORDS)}",
    ]
    if rng.random() < 0.5:
        parts.append(f"et chaque {rng.choice(WORDS)} {rng.choice(ADJECTIVES)}")
    if rng.random() < 0.3:
        parts.append(f'dans un "{rng.choice(WORDS)} {rng.choice(ADJECTIVES)}"')
    text = " ".join(parts)
    opening = rng.choice(OPENINGS) + ", " if rng.random() < 0.4 else ""
    end = rng.choice([".", ".", ".", " ?", " !", "..."])
    if rng.random() < 0.1:
        text += f" : {rng.randint(2, 98)} % des {rng.choice(WORDS)}s"
    return (opening + text)[0].upper() + (opening + text)[1:] + end


def paragraph(rng: random.Random, notes: list[str], sentences: int = 6, chapter: int = 0) -> str:
    text = " ".join(sentence(rng) for _ in range(sentences))
    if rng.random() < 0.25:  # a footnote call at the end of the first sentence
        label = f"c{chapter}n{len(notes) + 1}"  # unique in the book: Pandoc reads all chapters as one text
        notes.append(f"[^{label}]: {sentence(rng)} {sentence(rng)}")
        first, _, rest = text.partition(". ")
        text = f"{first}[^{label}]. {rest}" if rest else text + f"[^{label}]"
    return text


def chapter(number: int) -> str:
    rng = random.Random(number)
    notes: list[str] = []
    title = f"{rng.choice(WORDS).capitalize()} et {rng.choice(WORDS)} {rng.choice(ADJECTIVES)}"
    blocks = [f"# {title}"]
    for section in range(1, 6):
        blocks.append(f"## {rng.choice(WORDS).capitalize()} {rng.choice(ADJECTIVES)} ({section})")
        for _ in range(5):
            blocks.append(paragraph(rng, notes, chapter=number))
        if section == 1:
            blocks.append("> " + " ".join(sentence(rng) for _ in range(3)))
        if section == 2:
            blocks.append("\n".join(f"- {sentence(rng)}" for _ in range(5)))
            blocks.append("\n".join(f"{i}. {sentence(rng)}" for i in range(1, 5)))
        if section == 3:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(10, 999)} | {rng.choice(ADJECTIVES)} |" for _ in range(8)]
            blocks.append("| Terme | Valeur | Qualité |\n|---|--:|---|\n" + "\n".join(rows))
            blocks.append(
                f"![Figure du chapitre {number} : {rng.choice(WORDS)} {rng.choice(ADJECTIVES)}](../images/figure.svg)"
            )
        if section == 4:
            blocks.append(
                "```python\n"
                + "\n".join(
                    f"def {rng.choice(WORDS).replace('œ', 'oe')}_{i}(x):\n    return x * {rng.randint(2, 9)}"
                    for i in range(4)
                )
                + "\n```"
            )
        blocks.append(f"### {rng.choice(WORDS).capitalize()} {rng.choice(ADJECTIVES)}")
        blocks.append(paragraph(rng, notes, 8, chapter=number))
    return "\n\n".join(blocks + notes) + "\n"


FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
  <rect x="20" y="120" width="60" height="60" fill="#8a9bb0"/>
  <rect x="110" y="80" width="60" height="100" fill="#5c7391"/>
  <rect x="200" y="50" width="60" height="130" fill="#2f4a6d"/>
  <rect x="290" y="20" width="60" height="160" fill="#1c2b45"/>
</svg>
"""


def generate(out: Path, chapters: int) -> Path:
    """Write book.toml, chapters/NN-chapitre.md and images/figure.svg into ``out``."""
    (out / "chapters").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(exist_ok=True)
    (out / "book.toml").write_text(
        f'[book]\ntitle = "Livre de mesure en {chapters} chapitres"\nauthors = ["Banc d\'Essai"]\n'
        'lang = "fr"\ndate = "2026-11-27"\n\n[pdf]\npage_size = "A5"\n',
        encoding="utf-8",
    )
    (out / "images" / "figure.svg").write_text(FIGURE, encoding="utf-8")
    for number in range(1, chapters + 1):
        (out / "chapters" / f"{number:02d}-chapitre.md").write_text(chapter(number), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chapters", type=int, default=30)
    args = parser.parse_args()
    folder = generate(args.out, args.chapters)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in (folder / "chapters").glob("*.md"))
    print(f"wrote {folder}: {args.chapters} chapters, {words:,} words")


if __name__ == "__main__":
    main()
