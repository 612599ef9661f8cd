"""Contact-detail detection: phones, emails, social handles and URLs, and the numbers of ordinary
health talk (years, doses, glucose, times, dates) that must not be mistaken for them."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.safety import contact
from services.safety.contact import KINDS, find_contact_details


@pytest.mark.parametrize("text", [
    "call me on 07700 900123", "07700900123", "my mobile is 07700-900-123", "+44 7700 900123",
    "+44 (0)7700 900123", "(020) 7946 0018 is my landline", "ring 020 7946 0018", "0800 123 456",
    "+1 415-555-0132", "415.555.0132", "(415) 555-0132", "text me 0 7700 900 123",
    "+353 85 123 4567", "+61 412 345 678", "07700.900.123", "tel:07700900123",
    "my NHS number is 943 476 5919",            # chosen: an NHS number is flagged as "phone"
    "943 476 5919", "my number's below", "here's my number x", "whatsapp me on 07700 900123",
])
def test_phone_numbers(text):
    assert "phone" in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "diagnosed in 2019", "I take 20 units at night", "my glucose was 7.8 this morning", "clinic at 10:30",
    "appointment on 12/03/2024", "appointment 12.03.2024", "BP 120/80", "did 10,000 steps", "HbA1c 48 mmol/mol",
    "readings 5.6 6.2 7.8 8.1 9.0 10.2", "ratio 1:10 and correction 1:2", "between 4 and 7 before meals",
    "from 2019-2024 I was on insulin", "call Samaritans on 116 123", "dial 999 or 111", "I'm 34 and T1 for 20 years",
    "£1,250.00 for the pump", "took 2 x 500mg", "it was 3-4 times a day", "week 12 of 52",
    "postcode SW1A 1AA", "I walked 2.5 miles in 45 minutes", "doses at 08:00, 14:00 and 22:00",
])
def test_ordinary_numbers_are_not_phones(text):
    assert "phone" not in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "jane.doe@gmail.com", "email me at Jane_Doe+peer@outlook.co.uk", "jane at gmail dot com",
    "jane (at) hotmail (dot) com", "jane [at] yahoo [dot] co [dot] uk", "jane.doe at gmail.com",
    "drop me a line: jane at gmail", "JANE@EXAMPLE.ORG",
])
def test_emails(text):
    assert "email" in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "I'm at home today", "see you at clinic", "at work. Co-codamol helps", "we met at the gym dot dot dot",
    "I was at my mum's", "email your GP surgery",
])
def test_ordinary_text_is_not_email(text):
    assert "email" not in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "@jane_doe", "find me @jane.doe", "insta: jane.doe", "ig: jane_d", "snap: janed99", "snap me",
    "add me on whatsapp", "add me on WhatsApp?", "add me on telegram", "add me on snapchat", "follow me on instagram",
    "add me on facebook", "find me on tiktok", "add me on discord", "my insta is jane.doe", "whatsapp me",
    "DM me on insta", "hit me up on snap", "I'm on tiktok as janedoe", "join our whatsapp group",
    "my snapchat username is jd", "twitter: @jane",
])
def test_social_handles(text):
    assert "social_handle" in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "I saw it on facebook", "there was a long line at the pharmacy", "no signal in the hospital",
    "my signal is terrible", "x is the drug they gave me", "I read a thread on reddit about it",
    "email me when you can", "meet @ 10", "see you @10am", "my snap peas are growing", "the line is busy",
    "I follow a diabetes page", "my insulin is in the fridge",
])
def test_ordinary_text_is_not_a_handle(text):
    assert "social_handle" not in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "https://example.org/page", "http://bit.ly/abc", "www.jane-blog.net", "jane.co.uk", "see janeblog.com/about",
    "nhs.uk has a guide", "bit.ly/3xyz",
])
def test_urls(text):
    assert "url" in find_contact_details(text), text


@pytest.mark.parametrize("text", [
    "e.g. the pump", "i.e. before meals", "etc. etc.", "7.8 mmol", "Dr. Smith said", "St. Thomas' hospital",
    "it was fine.Then it wasn't", "version 2.1.3 of the app",
])
def test_ordinary_text_is_not_a_url(text):
    assert "url" not in find_contact_details(text), text


def test_kinds_are_ordered_unique_and_email_domains_are_not_urls():
    text = "jane@gmail.com or 07700 900123 or @jane or www.jane.com and again jane2@gmail.com 07700 900124"
    assert find_contact_details(text) == ["phone", "email", "social_handle", "url"]
    assert find_contact_details("jane@gmail.com") == ["email"]
    assert set(find_contact_details(text)) <= set(KINDS)


@pytest.mark.parametrize("text", ["", "   ", "Thanks, that really helps!", "I'm on metformin 500mg twice a day",
                                  "My consultant said to come back in 6 weeks"])
def test_nothing_found(text):
    assert find_contact_details(text) == []


def test_text_is_not_altered():
    text = "call 07700 900123"
    find_contact_details(text)
    assert text == "call 07700 900123"


@pytest.mark.parametrize("text", ["a." * 5000, "1." * 5000, "a-" * 5000 + ".com", "x@" * 5000, "a at " * 3000,
                                  "0 " * 5000, "a" * 20000 + "@"])
def test_pathological_input_is_fast(text):
    import time
    started = time.perf_counter()
    find_contact_details(text)
    assert time.perf_counter() - started < 0.5


_PLATFORM_WORDS = ["insta", "whatsapp", "whats app", "snap", "kik", "ig", "x", "line", "telegram", "tik tok", "fb"]
_JOINERS = ["me on", "me at", ":", "=", "@", "my", "is", "add", "follow", "handle", "jane.doe", "snap me", "group"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PLATFORM_WORDS + _JOINERS) | st.text(max_size=8), max_size=12))
def test_the_platform_prefilter_never_changes_what_the_social_pattern_finds(parts):
    """_ANY_PLATFORM only skips _SOCIAL where it could not match: same answer with and without it."""
    text = contact._fold(" ".join(parts))
    assert bool(contact._SOCIAL.search(text)) <= bool(contact._ANY_PLATFORM.search(text))
