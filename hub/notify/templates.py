"""The messages the hub sends by SMS: one entry per template, its variables, which of them are secret, and the
text the sandbox renders (the real provider renders its own approved template with the same variables).

Providers in China send only pre-approved templates, so the hub never sends free text: each entry here is
registered with the provider under a template code (`[notify.aliyun] templates`)."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.i18n import _


@dataclass(frozen=True)
class Template:
    name: str
    variables: tuple[str, ...]
    secret: tuple[str, ...]  # sealed at rest, never shown to operators or logged
    text: str  # msgid; `{variable}` placeholders

    def render(self, params: dict[str, str]) -> str:
        return _(self.text).format(**params)

    def masked(self, params: dict[str, str]) -> str:
        """The text as an operator may see it: secret variables replaced."""
        return self.render({**params, **{k: "******" for k in self.secret}})


TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("service_code", ("locksmith", "grade", "unit", "code"), ("code",),
             "Your locksmith is {locksmith} ({grade}, {unit}). Show the service code {code} to the locksmith on "
             "arrival; never tell it to anyone else."),
    Template("followup", ("link",), (),
             "Your unlocking job is complete. Please rate the locksmith from 1 to 5: {link}"),
    Template("login_code", ("code",), ("code",),
             "Your login code is {code}. It expires in 5 minutes; never tell it to anyone."),
    Template("arrival_late", ("locksmith", "link"), (),
             "{locksmith} has not arrived in time. You may cancel without losing your prepayment, or wait: {link}"),
)}


def template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown SMS template: {name}") from None
