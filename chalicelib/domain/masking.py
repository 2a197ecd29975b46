"""Masking: a customer's name, phone and email -> the shapes managers may see in a digest (张*, 138****8000,
z***@example.com); a complaint's subject -> the subject with anything that is or looks like a contact detail
masked, as notices carry it. Pure."""

from __future__ import annotations

import re

from chalicelib.domain.model import Complaint

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+")
_PHONE = re.compile(r"\+?\d(?:[\s\-().]*\d){6,}")
MASK = "***"


def mask_name(name: str) -> str:
    """张三 -> 张*, John Smith -> J*** S****: the first letter of each part."""
    parts = name.split()
    if len(parts) > 1:
        return " ".join(part[0] + "*" * (len(part) - 1) for part in parts)
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000: the first three and last four digits."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 8:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])


def mask_email(email: str) -> str:
    """zhang.san@example.com -> z***@example.com."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def masked_customer(complaint: Complaint) -> str:
    contact = complaint.customer
    parts = [mask_name(contact.name)]
    if contact.phone:
        parts.append(mask_phone(contact.phone))
    if contact.email:
        parts.append(mask_email(contact.email))
    return ", ".join(parts)


def scrubbed_subject(complaint: Complaint) -> str:
    """The complaint's subject with the customer's own name, email and phone, and anything shaped like an email
    address or a phone number, masked (`***`)."""
    text = complaint.subject
    contact = complaint.customer
    for detail in (contact.email, contact.phone, contact.name):
        if detail and len(detail.strip()) >= 2:
            text = text.replace(detail.strip(), MASK)
    return scrub_text(text)


def scrub_text(text: str) -> str:
    """Anything shaped like an email address or a phone number in `text`, masked (`***`)."""
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, text))
