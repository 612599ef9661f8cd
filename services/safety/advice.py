"""Advice labelling: does a message read like a medical instruction?

`looks_like_medical_instruction(text)` is True when some clause tells the reader what to do with a
medicine: an imperative or a "you should" directed at the reader, a dosing or medication-change
verb, and a medicine, a dose or an amount with a unit close after it:

    "take 20 units", "stop your steroids", "double your dose", "you should come off metformin",
    "try cutting your insulin by half", "just skip your evening dose", "if you're high, up your basal",
    "don't ever stop steroids suddenly", "if I were you I'd halve the metformin", "why not drop a tablet?"

and False for experience and questions:

    "I take 20 units at night", "when I stopped my steroids I felt awful", "my consultant doubled my
    dose", "should I stop my steroids?", "ask your GP before changing your dose", "take care".

A label is a reminder in the app ("experience, not advice"), never a block, so it leans towards
labelling anything that reads as an instruction, including safe ones ("never stop steroids suddenly").
"""
from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_CONTRACTIONS = [
    (r"\bwon'?t\b", "will not"), (r"\bcan'?t\b", "can not"), (r"\bcannot\b", "can not"),
    (r"\b(do|does|did|should|would|could|is|are|was|were|have|has|must|need)n'?t\b", r"\1 not"),
    (r"\b(you|i|we|they)'d\b", r"\1 would"), (r"\b(you|i|we|they)'ll\b", r"\1 will"),
    (r"\b(you|we|they)'re\b", r"\1 are"), (r"\bi'm\b", "i am"), (r"\bim\b", "i am"), (r"\bid\b", "i would"),
    (r"\bit'?s\b", "it is"), (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bgotta\b", "got to"),
    (r"\bwanna\b", "want to"), (r"\bgonna\b", "going to"),
]

_FILLER = (r"(?:so|and|but|then|ok|okay|oh|honestly|seriously|personally|well|yeah|yes|no|also|really|simply|"
           r"literally|basically|please|tbh|imo|imho|definitely|always|maybe|perhaps|just|ever|totally|"
           r"i think|i reckon|i would say|trust me|to be honest|in my experience|from experience|"
           r"if i were you|if i was you|i were you|i was you|if it was me|if it were me|otherwise|instead|first|then just)")
_LEAD = (r"(?:you (?:really )?(?:should|need to|have to|must|could|ought to|might want to|may want to|want to|"
         r"can|can just|got to|had better|better|will need to|would be better|are better|should really|just)"
         r"(?: just| definitely| probably| really| maybe)?"
         r"|you (?:would|are|will be) better off|you do not (?:need|have) to|i would|why not|why do not you|make sure (?:you|to)|remember to|be sure to|"
         r"do not forget to|do not|never|try(?: to)?|best to|better to|it is (?:best|better|worth|fine|ok|okay) to|"
         r"worth|go ahead and|feel free to|no need to|there is no need to)")
_VERB = (r"(?:take|taking|stop|stopping|skip|skipping|double|doubling|halve|halving|half|increase|increasing|"
         r"up|upping|bump up|bumping up|lower|lowering|reduce|reducing|decrease|decreasing|cut|cutting|cut down|"
         r"cut back|drop|dropping|come off|coming off|get off|go off|stay off|quit|quitting|switch|switching|swap|"
         r"swapping|change|changing|inject|injecting|bolus|bolusing|pre-?bolus|start|starting|taper|tapering|"
         r"wean off|weaning off|split|splitting|crush|crushing|miss|missing|ditch|ditching|bin|add|adding|raise|"
         r"raising|titrate|knock off|give yourself|have|use|using|adjust|adjusting|tweak|tweaking|top up|correct|"
         r"correct with|chuck|stick to|stick with|go back on|go on|try|trying|double up on|double up|leave off|"
         r"hold|hold off|pause|push|max out|overdose on)")
_MEDICINES = (
    r"doses?|dosages?|dosing|units?|mg|mcg|ml|iu|puffs?|tablets?|pills?|capsules?|meds?|medications?|medicines?|"
    r"insulin|basal|bolus|background|long ?acting|short ?acting|fast ?acting insulin|lantus|levemir|tresiba|toujeo|"
    r"abasaglar|novorapid|humalog|fiasp|lyumjev|apidra|glucagon|steroids?|pred|prednisolone|prednisone|"
    r"hydrocortisone|dexamethasone|metformin|gliclazide|sitagliptin|empagliflozin|dapagliflozin|ozempic|"
    r"semaglutide|mounjaro|tirzepatide|statins?|atorvastatin|simvastatin|levothyroxine|thyroxine|sertraline|"
    r"citalopram|escitalopram|fluoxetine|mirtazapine|venlafaxine|duloxetine|antidepressants?|ssris?|"
    r"beta ?blockers?|bisoprolol|propranolol|ramipril|lisinopril|amlodipine|warfarin|apixaban|rivaroxaban|"
    r"edoxaban|clopidogrel|aspirin|ibuprofen|naproxen|paracetamol|co-?codamol|codeine|morphine|oxycodone|"
    r"tramadol|gabapentin|pregabalin|amitriptyline|nortriptyline|methotrexate|mesalazine|azathioprine|"
    r"mercaptopurine|humira|adalimumab|infliximab|biologics?|inhalers?|ventolin|salbutamol|seretide|symbicort|"
    r"fostair|trelegy|furosemide|bumetanide|diuretics?|water tablets?|spironolactone|digoxin|gtn|antibiotics?|"
    r"painkillers?|sleeping (?:tablets?|pills?)|laxatives?|omeprazole|lansoprazole|antihistamines?|injections?|"
    r"jabs?|patch(?:es)?|lithium|quetiapine|olanzapine|aripiprazole|diazepam|lorazepam|zopiclone|baclofen|creon|"
    r"dextrose|glucose tablets?|chemo|immunosuppressants?|tacrolimus|ciclosporin|entresto|sacubitril|"
    r"nicorandil|ivabradine|eplerenone|dapsone|colchicine|allopurinol|hrt|estradiol|the pill")
_AMOUNT = r"\d+(?:[.,]\d+)?\s*(?:units?|u|mg|mcg|µg|ml|g|grams|puffs?|tablets?|pills?|caps(?:ules)?|iu|%)(?![a-z])"

_INSTRUCTION = re.compile(
    rf"^(?:{_FILLER}\s+)*(?:{_LEAD}\s+)?(?:{_FILLER}\s+)*{_VERB}\b"
    rf"(?:\s+\S+){{0,5}}?\s+(?:(?:{_MEDICINES})\b|{_AMOUNT})")
_AMOUNT_FIRST = re.compile(rf"^(?:{_FILLER}\s+)*(?:{_LEAD}\s+)?{_VERB}\s+{_AMOUNT}")
_WHY_NOT = re.compile(r"^(?:\w+\s+){0,2}(?:why not|why do not you)\b")
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?\n;]*")
# "if/when/unless ..." usually comes before the instruction; "and"/"so" are not split on ("I stop and
# take my tablets at lunch" is experience), "then" is ("check your levels, then halve your basal").
_CLAUSE_SPLIT = re.compile(r",|:|\s-\s|\(|\)|\bthen\b|\bbut\b|\bif\b|\bwhen\b|\bunless\b|\buntil\b|\botherwise\b")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    return text


def _clause_instructs(clause: str) -> bool:
    clause = " ".join(clause.split())
    return bool(clause) and bool(_INSTRUCTION.match(clause) or _AMOUNT_FIRST.match(clause))


def looks_like_medical_instruction(text: str) -> bool:
    """True if the text tells the reader to take, stop, skip or change a medicine or a dose."""
    if not text or not text.strip():
        return False
    for sentence in _SENTENCE.findall(_fold(text)):
        body = sentence.rstrip(".!?\n; ")
        if not body.strip():
            continue
        question = sentence.rstrip().endswith("?")
        if question and not _WHY_NOT.match(body.strip()):
            continue   # "should I stop my steroids?", "do you take 20 units?"
        parts = [p for p in _CLAUSE_SPLIT.split(body) if p and p.strip()]
        if any(_clause_instructs(p) for p in parts):
            return True
    return False
