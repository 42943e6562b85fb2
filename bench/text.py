"""Journal text for the benchmark: varied, plausible, and the same for the same seed.

Sentences are assembled from parts, so 48,000 entries do not repeat each other (the
sizes and the compressibility of the ciphertext's plaintext stay realistic) while
no real person's words are anywhere in the repository.
"""

from __future__ import annotations

import random

OPENINGS = [
    "Woke up at {time} and lay there for a while before getting up.",
    "Slept badly again; the {thing} kept me awake until after {time}.",
    "A quiet morning, which I needed after {day}.",
    "Writing this on the {place} with a cup of {drink} going cold beside me.",
    "The week has been {mood} so far, mostly because of {cause}.",
    "I almost did not write today, but {person} reminded me why I started.",
    "It is {day} evening and the house is finally still.",
    "Three days since the last session and I can still feel {feeling}.",
]
BODY = [
    "I noticed my shoulders were up near my ears again and let them drop.",
    "When {person} called, I answered instead of letting it ring, which is new.",
    "There was a moment on the {place} where everything felt {quality} and far away.",
    "I keep coming back to the image of {image} from the session.",
    "My chest felt {quality}, like something was loosening a little at a time.",
    "I tried the breathing from last week: four in, hold, six out. It helped more than I expected.",
    "I want to remember that {feeling} is not the same as being in danger.",
    "Walked to the {place} and counted {count} different birds, which made me laugh.",
    "The old thought came back, that I have to earn rest, and I let it sit there.",
    "I told {person} about the intention I set, and they did not laugh, which surprised me.",
    "Work was {mood}; I left at a reasonable hour for once and cooked {food}.",
    "There is a heaviness in the mornings that lifts by noon more often than it used to.",
    "I cried in the car for a few minutes and then felt oddly {quality} afterwards.",
    "Sleep was {count} hours, broken, but the dreams were less frightening.",
    "I wrote down three things that went right: {food}, a call with {person}, the {place}.",
    "The music in the session had a long low note that I can still hear when I close my eyes.",
    "I noticed how often I say sorry when I have done nothing wrong.",
    "My therapist asked what the {image} might be protecting me from. I do not know yet.",
    "I skipped the second coffee and my hands were steadier in the afternoon.",
    "Some of the old anger at {person} came up, and this time it felt like information.",
    "Reading back last month's entries, I can see the change even when I cannot feel it.",
    "I set a timer for ten minutes and just sat with {feeling}, without fixing anything.",
    "The {thing} outside the window sounded like waves, and I let it carry me for a bit.",
    "I made a list of people I can call when it gets dark, and {person} is at the top.",
]
CLOSINGS = [
    "Tomorrow: {step}.",
    "One small step for this week: {step}.",
    "Going to bed early. {step} can wait until the morning.",
    "Enough for tonight.",
    "I am more {quality} than I was a month ago, and that counts.",
    "Note for the next appointment: talk about {image}.",
]
TITLES = [
    "Morning pages",
    "After the session",
    "A better day",
    "Heavy again",
    "Something shifted",
    "Notes before sleep",
    "Walk by the river",
    "Letting go of {thing}",
    "What {person} said",
    "Integration, day {count}",
    "The {image}",
    "Small wins",
    "",
    "",
]
FILL = {
    "time": ["4:30", "5 a.m.", "six", "half past two", "seven", "dawn"],
    "thing": ["rain", "traffic", "neighbour's dog", "fridge hum", "wind", "radiator"],
    "day": ["Monday", "Tuesday", "Thursday", "Saturday", "Sunday", "yesterday"],
    "place": ["balcony", "kitchen table", "park bench", "river path", "bus", "couch"],
    "drink": ["tea", "coffee", "warm water", "oat milk"],
    "mood": ["heavy", "lighter than usual", "busy", "strange", "calm", "tiring"],
    "cause": ["work", "the move", "my sister's visit", "the weather", "money worries"],
    "person": ["my sister", "Sam", "my mother", "an old friend", "my partner", "a colleague"],
    "feeling": ["a kind of spaciousness", "the tightness", "grief", "relief", "restlessness"],
    "quality": ["soft", "light", "heavy", "clear", "tender", "open", "distant", "warm"],
    "image": ["a long corridor of doors", "a lighthouse", "deep green water", "a field of snow"],
    "count": ["two", "three", "five", "six", "seven", "nine", "eleven"],
    "food": ["soup", "pasta", "a proper breakfast", "curry", "a salad"],
    "step": [
        "a short walk before work",
        "call my sister",
        "ten minutes of breathing",
        "write before checking my phone",
        "ask for help with the forms",
    ],
}


def _fill(rng: random.Random, template: str) -> str:
    return template.format(**{key: rng.choice(values) for key, values in FILL.items()})


def entry_text(rng: random.Random, target_chars: int) -> tuple[str, str]:
    """(title, body) with a body close to `target_chars`, in paragraphs."""
    title = _fill(rng, rng.choice(TITLES))
    paragraphs: list[str] = []
    sentences = [_fill(rng, rng.choice(OPENINGS))]
    length = len(sentences[0])
    while length < target_chars - 80:
        sentence = _fill(rng, rng.choice(BODY))
        sentences.append(sentence)
        length += len(sentence) + 1
        if len(sentences) >= rng.randint(3, 5):
            paragraphs.append(" ".join(sentences))
            sentences = []
            length += 2
    sentences.append(_fill(rng, rng.choice(CLOSINGS)))
    paragraphs.append(" ".join(sentences))
    return title, "\n\n".join(paragraphs)
