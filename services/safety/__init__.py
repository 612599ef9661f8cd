"""Safety detectors: pure functions over text, no database and no Flask.

- crisis.assess(text) -> CrisisAssessment          crisis language (suicide, self-harm, harm to others, abuse)
- resources.crisis_resources(region, overrides)    helplines to answer a crisis with
- contact.find_contact_details(text) -> [kinds]    phone, email, social handle, URL
- advice.looks_like_medical_instruction(text)      "take 20 units", "stop your steroids"

None of them alters the text. See docs/safety.md.
"""
