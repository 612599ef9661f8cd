"""Crisis-language detection: suicide, self-harm, harm to others and abuse.

A pure function over text, no database or Flask. The phrasings live in a maintained data file,
`data/crisis_lexicon.json` (syntax in its `_doc` field and in docs/safety.md); this module only
normalises text, compiles the lexicon and decides which hits count.

How a message is read:
1. Normalise: Unicode compatibility forms, curly quotes and dashes, accents stripped, lower case,
   every run of a repeated letter squeezed to one ("soooo" -> "so", "kill" -> "kil"; the lexicon
   is squeezed the same way, so "kil myself" and "killlll myself" both match), contractions and
   text-speak expanded ("dont"/"don't" -> "do not", "im" -> "i am", "wanna" -> "want to"), known
   misspellings mapped (the lexicon's `variants`), and a one-letter slip allowed on a few key words
   (`fuzzy`: "myslef", "sucide").
2. Split into clauses at . ! ? ; and line breaks (not inside quotation marks).
3. Find every lexicon entry in every clause, then drop a hit when:
   - an idiom of ordinary talk covers it ("killed myself laughing", "cut myself chopping onions");
   - it is negated: "not", "never", "no" (or the past marker "used to") stands before it with
     only filler words between ("I would never hurt myself", "I'm not going to kill myself").
     A negation inside the phrase itself is part of the entry ("I don't want to live anymore"),
     and a real word between ends the scope ("I can't STOP thinking about killing myself");
   - (suicide and self-harm only) it is addressed to someone else: the nearest pronoun before it
     is "you" ("do you ever feel like you want to die?");
   - it sits in a question someone else reports asking ("the doctor asked whether I'd thought
     about ending my life");
   - it is inside quotation marks and the quote is a title or media ("a song called 'I want to
     die'", "said 'I want to die' in a film"), or a question asked by someone else. A quote the
     person attributes to themselves ("I told my GP 'I want to kill myself'"), inner speech ("I keep
     thinking 'I want to die'") or an unattributed quote still counts.
Recall matters more than precision here: a missed person in crisis is worse than a false alarm, so
when unsure the lexicon leans towards a hit.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

CATEGORIES = ("self_harm", "suicide", "harm_to_others", "abuse")
SELF_CATEGORIES = frozenset({"self_harm", "suicide"})
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "crisis_lexicon.json"


@dataclass(frozen=True)
class CrisisAssessment:
    crisis: bool
    categories: tuple[str, ...] = ()   # subset of CATEGORIES, in that order
    matched: tuple[str, ...] = ()      # lexicon entries that fired (for moderators only)


NO_CRISIS = CrisisAssessment(False, (), ())

# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------
_QUOTE_OPEN, _QUOTE_CLOSE = "\x01", "\x02"
_CHAR_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
    _QUOTE_OPEN: " ", _QUOTE_CLOSE: " ",
})
_DOUBLE_QUOTED = re.compile(r'"([^"\n]+)"')
# 'a quote' but not the apostrophes of don't / kids' (opening ' after a boundary, closing ' before one)
_SINGLE_QUOTED = re.compile(
    r"(?:^|(?<=[\s(\[:,\-]))'((?:[^'\n]|(?<=[a-z0-9])'(?=[a-z]))*?[^\s'])'(?=[\s.,!?;:)\]\-]|$)")
_TOKEN = re.compile(r"[\x01\x02]|[a-z0-9]+(?:'[a-z]+)*|[.!?;\n]|,")
_SENTENCE_END = frozenset(".!?;\n")
_REPEATS = re.compile(r"([a-z])\1+")
_TOKEN_CACHE_SIZE = 20_000

_CONTRACTIONS_RAW = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not", "cannot": "can not",
    "wont": "will not", "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
    "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not", "havent": "have not",
    "hasnt": "has not", "hadnt": "had not", "aint": "am not", "mustnt": "must not", "neednt": "need not",
    "dnt": "do not", "nvr": "never", "im": "i am", "ive": "i have", "id": "i would", "youre": "you are",
    "theyre": "they are", "hes": "he is", "shes": "she is", "thats": "that is", "whats": "what is",
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "tryna": "trying to", "dunno": "do not know",
    "idk": "i do not know", "u": "you", "ur": "your", "r": "are", "cuz": "because", "coz": "because",
    "cos": "because", "lemme": "let me", "rn": "right now", "abt": "about", "bc": "because",
}
_NT_BASES = {"wo": "will", "ca": "can", "sha": "shall", "ai": "am"}
_SUFFIXES = {"m": "am", "re": "are", "ve": "have", "l": "will", "d": "would"}
_IS_BEFORE_S = frozenset({"he", "she", "it", "that", "there", "what", "who", "here", "where", "how",
                          "everyone", "everything", "nobody", "somebody", "someone", "life"})


def _squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)


_CONTRACTIONS = {_squeeze(k): tuple(_squeeze(w) for w in v.split()) for k, v in _CONTRACTIONS_RAW.items()}
_NT_BASES = {_squeeze(k): _squeeze(v) for k, v in _NT_BASES.items()}
_SUFFIXES = {_squeeze(k): _squeeze(v) for k, v in _SUFFIXES.items()}
_IS_BEFORE_S = frozenset(_squeeze(w) for w in _IS_BEFORE_S)


def _runs(word: str) -> list[tuple[str, int]]:
    return [(m.group(1), len(m.group(0))) for m in re.finditer(r"(.)\1*", word)]


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1:] == a:
            return True
    return False


class _Normaliser:
    def __init__(self, variants: dict[str, str], fuzzy: list[str], keep_doubles: list[str] = ()):
        # words whose double letter carries meaning ("off" is not "of"); "offff" still reads "off"
        self.keep = {re.compile("".join(re.escape(c) + ("{2,}" if n > 1 else "+")
                                        for c, n in _runs(w)) + "$"): w for w in keep_doubles}
        self.variants = {_squeeze(k): tuple(_squeeze(w) for w in v.split()) for k, v in variants.items()}
        self.fuzzy = tuple(_squeeze(w) for w in fuzzy)
        self._seen: dict[str, tuple[str, ...]] = {}

    def token(self, raw: str) -> tuple[str, ...]:
        """The normalised token(s) for one raw word; remembered, since words repeat across messages."""
        found = self._seen.get(raw)
        if found is None:
            if len(self._seen) >= _TOKEN_CACHE_SIZE:
                self._seen.clear()
            found = self._seen[raw] = self._token(raw)
        return found

    def _token(self, raw: str) -> tuple[str, ...]:
        for pattern, word in self.keep.items():
            if pattern.match(raw):
                return (word,)
        tok = _squeeze(raw)
        if tok in self.variants:
            return self.variants[tok]
        if tok in _CONTRACTIONS:
            return _CONTRACTIONS[tok]
        if "'" in tok:
            if tok.endswith("n't"):
                base = tok[:-3]
                return (_NT_BASES.get(base, base), "not") if base else ("not",)
            base, _, suffix = tok.partition("'")
            if suffix in _SUFFIXES:
                return (base, _SUFFIXES[suffix])
            if suffix == "s":
                return (base, "is") if base in _IS_BEFORE_S else (base,)
            tok = base + suffix
            if tok in self.variants:
                return self.variants[tok]
        if len(tok) >= 5 and tok not in self.fuzzy:
            for word in self.fuzzy:
                if _within_one_edit(tok, word):
                    return (word,)
        return (tok,)

    def phrase(self, text: str) -> list[str]:
        """Normalise a lexicon phrase (no quotes, no clauses) to tokens."""
        out: list[str] = []
        for raw in _TOKEN.findall(_fold(text)):
            if raw not in "\x01\x02":
                out.extend(self.token(raw))
        return out


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose: the common case, and much faster
        return text.translate(_CHAR_MAP).lower()
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.lower()


def _mark_quotes(text: str) -> str:
    text = _DOUBLE_QUOTED.sub(lambda m: f" {_QUOTE_OPEN} {m.group(1)} {_QUOTE_CLOSE} ", text)
    return _SINGLE_QUOTED.sub(lambda m: f" {_QUOTE_OPEN} {m.group(1)} {_QUOTE_CLOSE} ", text)


@dataclass
class _Clause:
    tokens: list[str]
    quote_ids: list[int | None]   # which quotation each token sits in, if any
    text: str                     # " tok tok tok " for the compiled patterns
    index_at: dict[int, int]      # character offset in `text` -> token index


def _clauses(text: str, norm: _Normaliser) -> list[_Clause]:
    marked = _mark_quotes(_fold(text))
    clauses: list[_Clause] = []
    tokens: list[str] = []
    quote_ids: list[int | None] = []
    quote: int | None = None
    quotes_seen = 0

    def flush() -> None:
        if tokens:
            pos, index_at = 1, {}
            for i, tok in enumerate(tokens):
                index_at[pos] = i
                pos += len(tok) + 1
            index_at[pos] = len(tokens)
            clauses.append(_Clause(list(tokens), list(quote_ids), " " + " ".join(tokens) + " ", index_at))
        tokens.clear()
        quote_ids.clear()

    for raw in _TOKEN.findall(marked):
        if raw == _QUOTE_OPEN:
            quotes_seen += 1
            quote = quotes_seen
        elif raw == _QUOTE_CLOSE:
            quote = None
        elif raw in _SENTENCE_END:
            if quote is None:
                flush()
        else:
            for tok in norm.token(raw):
                tokens.append(tok)
                quote_ids.append(quote)
    flush()
    return clauses


# ---------------------------------------------------------------------------------------------
# Lexicon compilation
# ---------------------------------------------------------------------------------------------
_PATTERN_PART = re.compile(r"\[[^\]]*\]|\([^)]*\)|\S+")
_WORD = re.compile(r"^[a-z0-9']+\*?$")


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class _Entry:
    category: str
    source: str
    regex: re.Pattern[str]
    # the tokens a match can start with: (token, is_stem); None when it could start anywhere
    triggers: frozenset[tuple[str, bool]] | None = None
    # for each required part, the tokens one of which must be in the clause for a match
    required: tuple[frozenset[str], ...] = ()


class _Compiler:
    def __init__(self, macros: dict[str, list[str]], norm: _Normaliser):
        self.macros = macros
        self.norm = norm
        self.negators: tuple[str, ...] = ()
        self._macro_cache: dict[str, str] = {}

    def gap(self) -> str:
        neg = "|".join(re.escape(n) for n in self.negators) or "(?!)"
        return rf"(?:(?!(?:{neg}) )[^ ]+ ){{0,3}}"

    def phrase(self, pattern: str, depth: int = 0) -> str:
        if depth > 5:
            raise LexiconError(f"macros nested too deeply in {pattern!r}")
        out = []
        for part in _PATTERN_PART.findall(pattern):
            if part[0] in "[(":
                if part[-1] != {"[": "]", "(": ")"}[part[0]]:
                    raise LexiconError(f"unclosed group in {pattern!r}")
                inner = part[1:-1]
                if any(c in inner for c in "[]()"):
                    raise LexiconError(f"nested groups are not supported: {pattern!r}")
                body = "|".join(self.phrase(alt.strip(), depth + 1) for alt in inner.split("|"))
                out.append(f"(?:{body})" + ("?" if part[0] == "[" else ""))
            elif part == "~":
                out.append(self.gap())
            elif part == "^":
                out.append("(?<=^ )")
            elif part == "$":
                out.append("(?:$|(?=, ))")
            elif part.startswith("{") and part.endswith("}"):
                out.append(self.macro(part[1:-1], depth))
            else:
                out.append("(?:" + "|".join(self.word(w, pattern) for w in part.split("|")) + ")")
        if not out:
            raise LexiconError(f"empty pattern {pattern!r}")
        return "".join(out)

    def word(self, word: str, pattern: str) -> str:
        if not _WORD.match(word):
            raise LexiconError(f"unexpected {word!r} in {pattern!r}")
        stem = word.endswith("*")
        tokens = self.norm.phrase(word.rstrip("*"))
        if not tokens:
            raise LexiconError(f"empty word in {pattern!r}")
        literal = re.escape(" ".join(tokens))
        return literal + ("[^ ]* " if stem else " ")

    def macro(self, name: str, depth: int) -> str:
        if name not in self.macros:
            raise LexiconError(f"unknown macro {{{name}}}")
        if name not in self._macro_cache:
            self._macro_cache[name] = "(?:" + "|".join(self.phrase(p, depth + 1) for p in self.macros[name]) + ")"
        return self._macro_cache[name]

    def first_tokens(self, pattern: str, depth: int = 0) -> frozenset[tuple[str, bool]] | None:
        """Every token a match of `pattern` can start with, (token, is_stem); None if it could start
        with any token (a leading gap). The prefilter runs a pattern only where one of these stands."""
        found: set[tuple[str, bool]] = set()
        for part in _PATTERN_PART.findall(pattern):
            if part in ("^", "$"):
                continue
            if part == "~" or depth > 5:
                return None
            if part[0] in "[(":
                alternatives = [self.first_tokens(alt.strip(), depth + 1) for alt in part[1:-1].split("|")]
            elif part.startswith("{") and part.endswith("}"):
                alternatives = [self.first_tokens(p, depth + 1) for p in self.macros[part[1:-1]]]
            else:
                alternatives = [frozenset({self._first_of_word(w)}) for w in part.split("|")]
            if any(a is None for a in alternatives):
                return None
            for a in alternatives:
                found |= a
            if part[0] != "[":     # a required part: nothing after it can start the match
                return frozenset(found)
        return None                # every part optional: be safe and always run it

    def required_tokens(self, pattern: str) -> tuple[frozenset[str], ...]:
        """One set per required part of `pattern` (stems and gaps left out): a clause without a
        token of every set cannot match, so the pattern is not even tried."""
        sets = []
        for part in _PATTERN_PART.findall(pattern):
            if part in ("^", "$", "~") or part[0] == "[":
                continue
            first = self.first_tokens(part)
            if first and not any(stem for _, stem in first):
                sets.append(frozenset(tok for tok, _ in first))
        return tuple(sets)

    def _first_of_word(self, word: str) -> tuple[str, bool]:
        tokens = self.norm.phrase(word.rstrip("*"))
        return (tokens[0], word.endswith("*") and len(tokens) == 1)

    def compile(self, pattern: str) -> re.Pattern[str]:
        regex = "(?<= )" + self.phrase(pattern)
        compiled = re.compile(regex)
        if compiled.match(" "):
            raise LexiconError(f"pattern can match nothing: {pattern!r}")
        return compiled


# Words too common to say much about whether a pattern can match (used to choose an index key).
_COMMON = frozenset("""i me my am is are was be been being have has had do does did not no to of in on at for
with and or but so if it its this that a an the you your he she they them him her we us our just really
going want wanted will would can could all any some more out up get got go""".split())


class _TriggerIndex:
    """Which entries can match a clause, and where: the prefilter in front of the regexes.

    Each entry is indexed under its most selective required part (e.g. "pills" rather than "i"), so
    a clause looks up only its own distinct tokens; an entry whose required parts are not all
    present is never tried, and one that is gets tried (anchored) only at the tokens it can start
    with. The work grows with the clause, not with the ~700 patterns of the lexicon.
    """

    def __init__(self, entries: list[_Entry] | tuple[_Entry, ...]):
        self.entries = tuple(entries)
        self.by_token: dict[str, list[int]] = {}
        self.by_stem: dict[str, list[int]] = {}
        self.anywhere: list[int] = []
        for i, entry in enumerate(self.entries):
            if entry.required:
                key = min(entry.required, key=lambda need: sum(100 if t in _COMMON else 1 for t in need))
                for token in key:
                    self.by_token.setdefault(token, []).append(i)
            elif entry.triggers is None:
                self.anywhere.append(i)
            else:
                for token, stem in entry.triggers:
                    (self.by_stem if stem else self.by_token).setdefault(token, []).append(i)
        self.stem_lengths = sorted({len(t) for t in self.by_stem})

    def candidates(self, tokens: list[str]) -> dict[int, list[int]]:
        """entry index -> token positions where it may start, in entry order."""
        where: dict[str, list[int]] = {}
        for pos, tok in enumerate(tokens):
            where.setdefault(tok, []).append(pos)
        maybe: set[int] = set(self.anywhere)
        for tok in where:
            maybe.update(self.by_token.get(tok, ()))
            for n in self.stem_lengths:
                if n > len(tok):
                    break
                maybe.update(self.by_stem.get(tok[:n], ()))
        found: dict[int, list[int]] = {}
        for i in sorted(maybe):
            entry = self.entries[i]
            if not all(any(t in where for t in need) for need in entry.required):
                continue
            if entry.triggers is None:
                found[i] = list(range(len(tokens)))
                continue
            starts: set[int] = set()
            for token, stem in entry.triggers:
                if not stem:
                    starts.update(where.get(token, ()))
                else:
                    starts.update(p for tok, ps in where.items() if tok.startswith(token) for p in ps)
            if starts:
                found[i] = sorted(starts)
        return found


@dataclass(frozen=True)
class Lexicon:
    version: int
    entries: tuple[_Entry, ...]
    idioms: tuple[_Entry, ...]
    entry_index: _TriggerIndex
    idiom_index: _TriggerIndex
    normaliser: _Normaliser
    negators: frozenset[str]
    past_markers: tuple[tuple[str, ...], ...]
    transparent: frozenset[str]
    second_person: frozenset[str]
    other_pronouns: frozenset[str]
    ask_verbs: frozenset[str]
    reporting_verbs: frozenset[str]
    media_words: frozenset[str]
    distant_past: tuple[tuple[str, ...], ...] = ()
    present_markers: tuple[tuple[str, ...], ...] = ()
    recurrence_markers: tuple[tuple[str, ...], ...] = ()
    distant_past_min_years_ago: int = 0   # a year this many years before the current one, or earlier, is long past


def _words(norm: _Normaliser, items: list[str]) -> frozenset[str]:
    out = set()
    for item in items:
        out.update(norm.phrase(item) if item != "," else [","])
    return frozenset(out)


def load_lexicon(path: str | Path = LEXICON_PATH) -> Lexicon:
    """Parse and compile a lexicon file; raises LexiconError on a malformed entry."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    norm = _Normaliser(data.get("variants", {}), data.get("fuzzy", []), data.get("keep_double_letters", []))
    compiler = _Compiler(data.get("macros", {}), norm)
    negators = frozenset(t for n in data["negators"] for t in norm.phrase(n))
    compiler.negators = tuple(sorted(negators))
    entries = []
    for category, patterns in data["categories"].items():
        if category not in CATEGORIES:
            raise LexiconError(f"unknown category {category!r}")
        seen = set()
        for pattern in patterns:
            if pattern in seen:
                raise LexiconError(f"duplicate entry {pattern!r} in {category}")
            seen.add(pattern)
            entries.append(_Entry(category, pattern, compiler.compile(pattern), compiler.first_tokens(pattern),
                                  compiler.required_tokens(pattern)))
    idioms = tuple(_Entry("idiom", p, compiler.compile(p), compiler.first_tokens(p), compiler.required_tokens(p))
                   for p in data.get("idioms", []))
    return Lexicon(
        version=int(data.get("version", 1)),
        entries=tuple(entries),
        idioms=idioms,
        entry_index=_TriggerIndex(entries),
        idiom_index=_TriggerIndex(idioms),
        normaliser=norm,
        negators=negators,
        past_markers=tuple(tuple(norm.phrase(p)) for p in data.get("past_markers", [])),
        transparent=_words(norm, data.get("transparent", [])),
        second_person=_words(norm, data.get("second_person", [])),
        other_pronouns=_words(norm, data.get("other_pronouns", [])),
        ask_verbs=_words(norm, data.get("ask_verbs", [])),
        reporting_verbs=_words(norm, data.get("reporting_verbs", [])),
        media_words=_words(norm, data.get("media_words", [])),
        distant_past=tuple(tuple(norm.phrase(p)) for p in data.get("distant_past", [])),
        present_markers=tuple(tuple(norm.phrase(p)) for p in data.get("present_markers", [])),
        recurrence_markers=tuple(tuple(norm.phrase(p)) for p in data.get("recurrence_markers", [])),
        distant_past_min_years_ago=int(data.get("distant_past_min_years_ago", 0)),
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon(LEXICON_PATH)


# ---------------------------------------------------------------------------------------------
# Deciding which hits count
# ---------------------------------------------------------------------------------------------
_SCOPE = 8  # how many filler words a negation or a pronoun may stand before a hit


def _negated(lex: Lexicon, toks: list[str], start: int) -> bool:
    j, steps = start - 1, 0
    while j >= 0 and steps < _SCOPE:
        tok = toks[j]
        for marker in lex.past_markers:   # "I used to self harm"
            n = len(marker)
            if j - n + 1 >= 0 and tuple(toks[j - n + 1:j + 1]) == marker:
                return True
        if tok in lex.negators:
            # "no, I want to die": an interjection, not a negation of what follows
            return not (tok == "no" and j + 1 < len(toks) and toks[j + 1] == ",")
        if tok not in lex.transparent:
            return False
        j -= 1
        steps += 1
    return False


def _addressed_to_someone_else(lex: Lexicon, toks: list[str], start: int) -> bool:
    for j in range(start - 1, max(-1, start - 1 - _SCOPE), -1):
        if toks[j] in lex.second_person:
            return True
        if toks[j] in lex.other_pronouns:
            return False
    return False


def _quote_discounted(lex: Lexicon, clause: _Clause, facts: "_ClauseFacts", start: int, end: int) -> bool:
    quote = next((clause.quote_ids[i] for i in range(start, end) if clause.quote_ids[i] is not None), None)
    if quote is None:
        return False
    q_start, q_end = facts.quote_span[quote]
    before = clause.tokens[max(0, q_start - 6):q_start]
    after = clause.tokens[q_end:q_end + 6]
    if any(t in lex.media_words for t in before + after):
        return True          # a title, a lyric, a line from a film
    # who is quoted? "<subject> <verb> '...'" or "'...' <subject> <verb>" / "'...' <verb> <subject>"
    for i in range(len(before) - 1, -1, -1):
        if before[i] in lex.reporting_verbs:
            subject = before[i - 1] if i > 0 else ""
            return before[i] in lex.ask_verbs and subject != "i"
    for i, tok in enumerate(after[:4]):
        if tok in lex.reporting_verbs:
            near = after[max(0, i - 1):i] + after[i + 1:i + 2]
            return tok in lex.ask_verbs and "i" not in near
    return False             # unattributed: count it


class WorkCounter:
    """Counts regex attempts and tokens (for the linear-time test and the benchmark, not for timing)."""

    def __init__(self) -> None:
        self.regex_attempts = 0
        self.tokens = 0


def _matches(index: _TriggerIndex, clause: _Clause, positions: dict[int, int], exhaustive: bool,
             work: WorkCounter | None):
    """(entry, start token, end token) for every match, entry by entry in lexicon order."""
    if exhaustive:  # the old way, kept as the benchmark's baseline and the prefilter's oracle
        for entry in index.entries:
            if work:
                work.regex_attempts += 1
            for m in entry.regex.finditer(clause.text):
                yield entry, clause.index_at[m.start()], clause.index_at.get(m.end(), len(clause.tokens))
        return
    for i, starts in index.candidates(clause.tokens).items():
        entry = index.entries[i]
        for start in starts:
            if work:
                work.regex_attempts += 1
            m = entry.regex.match(clause.text, positions[start])
            if m:
                yield entry, start, clause.index_at.get(m.end(), len(clause.tokens))


def assess(text: str, lexicon: Lexicon | None = None, *, exhaustive: bool = False,
           work: WorkCounter | None = None) -> CrisisAssessment:
    """Does `text` contain crisis language? Never raises on odd input; empty text is no crisis.

    Linear in the length of the text: every pattern is bounded (no nested unbounded repetition),
    each is tried only at the tokens it can start with, and the checks after a hit use facts
    computed once per clause. `exhaustive=True` runs every pattern over every clause (slow; the
    benchmark's baseline and the test oracle)."""
    if not text or not text.strip():
        return NO_CRISIS
    lex = lexicon or default_lexicon()
    categories: set[str] = set()
    matched: list[str] = []
    clauses = list(_clauses(text, lex.normaliser))
    # "it's back", "tonight", "again" anywhere in the message: history told beside it is not only history
    recurring = any(_has_phrase(c.tokens, lex.recurrence_markers) for c in clauses)
    latest_old_year = _latest_old_year(lex)
    for clause in clauses:
        if work:
            work.tokens += len(clause.tokens)
        positions = {i: pos for pos, i in clause.index_at.items()}
        facts = _ClauseFacts(lex, clause, recurring, latest_old_year)
        for _, start, end in _matches(lex.idiom_index, clause, positions, exhaustive, work):
            facts.add_idiom(start, end)
        done: set[str] = set()
        for entry, start, end in _matches(lex.entry_index, clause, positions, exhaustive, work):
            if entry.source in done:
                continue
            if _counts(lex, clause, facts, entry.category, start, end):
                done.add(entry.source)
                categories.add(entry.category)
                if entry.source not in matched:
                    matched.append(entry.source)
    if not categories:
        return NO_CRISIS
    return CrisisAssessment(True, tuple(c for c in CATEGORIES if c in categories), tuple(matched))


class _ClauseFacts:
    """What the checks after a hit need, computed once per clause (keeps many hits linear)."""

    def __init__(self, lex: Lexicon, clause: _Clause, recurring: bool = False, latest_old_year: int = 0):
        toks = clause.tokens
        self.size = len(toks)
        # from this token on, a hit sits in a question someone else reports asking
        # ("the nurse asked whether I'd thought about ending my life")
        self.asked_from = self.size + 1
        for j, tok in enumerate(toks):
            if tok in lex.ask_verbs and (j == 0 or toks[j - 1] != "i") and \
                    any(t in ("if", "whether", "about") for t in toks[j + 1:j + 4]):
                self.asked_from = j + 1
                break
        self.quote_span: dict[int, tuple[int, int]] = {}
        for i, q in enumerate(clause.quote_ids):
            if q is not None:
                first, _ = self.quote_span.get(q, (i, i))
                self.quote_span[q] = (first, i + 1)
        self._idiom_spans: list[tuple[int, int]] = []
        self._cover: list[int] | None = None
        # a clause told of a long-past time ("years ago", "as a teenager", "in 2009") with nothing of the
        # present in it ("now", "today") and no return anywhere in the message ("tonight", "again", "it's
        # back"): "I attempted suicide in 2003. I'm well" is history
        self.distant_past = not recurring and (
            _has_phrase(toks, lex.distant_past) or _has_old_year(toks, latest_old_year))
        if self.distant_past and _has_phrase(toks, lex.present_markers):
            self.distant_past = False

    def add_idiom(self, start: int, end: int) -> None:
        self._idiom_spans.append((start, end))
        self._cover = None

    def in_idiom(self, start: int, end: int) -> bool:
        """Inside an idiom's span? cover[s] is the furthest end of an idiom starting at or before s."""
        if not self._idiom_spans:
            return False
        if self._cover is None:
            reach = [-1] * (self.size + 1)
            for a, b in self._idiom_spans:
                reach[a] = max(reach[a], b)
            for s in range(1, len(reach)):
                reach[s] = max(reach[s], reach[s - 1])
            self._cover = reach
        return self._cover[min(start, self.size)] >= end


def _has_phrase(toks: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """Does one of `phrases` occur in `toks`? Linear: a phrase is tried only where its first word is."""
    if not phrases:
        return False
    present = set(toks)
    for phrase in phrases:
        if phrase and phrase[0] in present:
            n = len(phrase)
            if any(tuple(toks[i:i + n]) == phrase for i, tok in enumerate(toks) if tok == phrase[0]):
                return True
    return False


def _latest_old_year(lex: Lexicon) -> int:
    """The latest year that counts as long past, from today's date (read once per screened text, so a
    process running over New Year moves on by itself): 0 when the lexicon names no such distance."""
    if lex.distant_past_min_years_ago <= 0:
        return 0
    return date.today().year - lex.distant_past_min_years_ago


def _has_old_year(toks: list[str], latest: int) -> bool:
    """A year such as "2009" (from 1950 up to and including `latest`) in the clause."""
    return bool(latest) and any(len(t) == 4 and t.isdigit() and 1950 <= int(t) <= latest for t in toks)


def _counts(lex: Lexicon, clause: _Clause, facts: _ClauseFacts, category: str, start: int, end: int) -> bool:
    toks = clause.tokens
    if facts.in_idiom(start, end):
        return False
    if facts.distant_past:
        return False
    if _negated(lex, toks, start):
        return False
    if category in SELF_CATEGORIES and _addressed_to_someone_else(lex, toks, start):
        return False
    if start >= facts.asked_from:
        return False
    return not _quote_discounted(lex, clause, facts, start, end)


def normalise(text: str) -> list[list[str]]:
    """The clauses and tokens the detector sees (for debugging and for writing lexicon entries)."""
    return [c.tokens for c in _clauses(text, default_lexicon().normaliser)]
