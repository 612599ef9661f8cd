"""Advice labelling: instructions about medicines get labelled; experience and questions do not."""
import pytest

from services.safety.advice import looks_like_medical_instruction

INSTRUCTIONS = [
    "take 20 units",
    "Take 20 units before bed",
    "stop your steroids",
    "double your dose",
    "you should come off metformin",
    "try cutting your insulin by half",
    "just skip your evening dose",
    "If you're high, up your basal by 10%",
    "Don't ever stop steroids suddenly",
    "never skip your basal",
    "If I were you I'd halve the metformin",
    "Honestly just stop taking the statins, they're poison",
    "You need to increase your levothyroxine",
    "you could try dropping a tablet",
    "Why not drop your evening dose?",
    "Why don't you just double up on your inhaler?",
    "when you go hypo, take 3 glucose tablets",
    "Switch to Tresiba, it's much better",
    "ditch the sertraline and try St John's wort",
    "I'd reduce your pred to 5mg",
    "Make sure you take your methotrexate with folic acid",
    "check your levels first, then halve your basal",
    "Cut your insulin by a third on exercise days",
    "You don't need to take the painkillers every day",
    "Stop the ramipril if you feel dizzy",
    "you're better off skipping the evening dose",
    "Trust me, come off the antidepressants slowly",
    "Give yourself an extra 2 units with pizza",
    "Take two puffs of your blue inhaler",
    "Bump up your bolus for fatty meals",
    "TAKE 40MG OF PRED",
    "try taking your metformin with food",
    "Skip the metformin on sick days",
    "you should stop your warfarin before the op",
]

EXPERIENCE_AND_QUESTIONS = [
    "I take 20 units at night",
    "when I stopped my steroids I felt awful",
    "my consultant doubled my dose",
    "should I stop my steroids?",
    "Should I double my dose?",
    "Do you take your metformin with food?",
    "Has anyone stopped their statins?",
    "I'm thinking of stopping my statins, has anyone done that?",
    "My nurse told me to take 20 units",
    "I skipped my evening dose yesterday and regretted it",
    "I had to come off metformin because of my stomach",
    "My GP halved my pred last month",
    "Ask your GP before you change your dose",
    "Talk to your diabetes nurse about adjusting your insulin",
    "take care",
    "Take your time, there's no rush",
    "take a deep breath",
    "Take it easy today",
    "Stop worrying about it, you're doing great",
    "try the Libre, it changed my life",
    "Try yoga, it helped my back",
    "I cut out sugar and my numbers are better",
    "cut back on carbs for a week and see",
    "We doubled the walk this week",
    "I stop and take my tablets at lunch",
    "The pharmacist said to take it with food",
    "Double-check your pump settings with your team",
    "I'm on 500mg metformin twice a day",
    "how many units do you take?",
    "Does anyone else take their pills at night?",
    "My pills ran out, pharmacy closed",
    "It's fine to feel low, take care of yourself",
    "Skip the queue by booking online",
    "Have a lovely weekend everyone",
    "I'd love to come off steroids one day",
    "",
]


@pytest.mark.parametrize("text", INSTRUCTIONS)
def test_instructions_are_labelled(text):
    assert looks_like_medical_instruction(text), text


@pytest.mark.parametrize("text", EXPERIENCE_AND_QUESTIONS)
def test_experience_and_questions_are_not(text):
    assert not looks_like_medical_instruction(text), text


def test_enough_labelled_examples():
    assert len(INSTRUCTIONS) + len(EXPERIENCE_AND_QUESTIONS) >= 40
    assert len(INSTRUCTIONS) >= 20 and len(EXPERIENCE_AND_QUESTIONS) >= 20


def test_accuracy_is_reported():
    right = sum(looks_like_medical_instruction(t) for t in INSTRUCTIONS)
    right += sum(not looks_like_medical_instruction(t) for t in EXPERIENCE_AND_QUESTIONS)
    total = len(INSTRUCTIONS) + len(EXPERIENCE_AND_QUESTIONS)
    print(f"\nadvice labelling: {right}/{total} right")
    assert right == total
