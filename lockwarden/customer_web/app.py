"""The customer web app's HTTP side (Starlette + Jinja2 templates, server-rendered, no script needed except
the browser's location): an adapter over the gateway (gateway.py), the login codes (otp.py) and the views.

Every form carries the session's CSRF token; cookies are HttpOnly, SameSite=Lax and Secure; photos are
limited in size and must be JPEG or PNG; a customer reaches only orders the hub told them about."""

from __future__ import annotations

import gettext
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from lockwarden.customer_web import otp
from lockwarden.customer_web.gateway import Gateway, WebCustomer
from lockwarden.customer_web.settings import WebSettings
from lockwarden.customer_web.store import WebStore
from lockwarden.customer_web.views import OrderView, grade_label, order_view, state_label
from protocol.clock import Clock, SystemClock
from protocol.i18n import LANGUAGES, load
from protocol.images import content_type_of, image_problem

COOKIE = "lw_session"
LANG_COOKIE = "lw_lang"
ORDER_RE = re.compile(r"^[0-9A-Z]{26}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
DRAIN_MAX = 32 * 1024 * 1024
LATE = "The locksmith is late. You may cancel without losing your prepayment, or wait."
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals.update(state_label=state_label, grade_label=grade_label)


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    return load(lang)


class Page:
    """Per-request context: the language, the session and its customer."""

    def __init__(self, app: CustomerWeb, request: Request) -> None:
        self.app = app
        self.request = request
        lang = request.cookies.get(LANG_COOKIE, "zh_CN")
        self.lang = lang if lang in LANGUAGES else "zh_CN"
        self.t = translations(self.lang).gettext
        sid = request.cookies.get(COOKIE, "")
        self.sid = sid
        self.session = app.store.session(sid, app.clock.now_ms()) if sid else None
        self.customer_id: str | None = self.session["customer_id"] if self.session else None
        self.new_cookie: str | None = None

    def csrf(self) -> str:
        if self.session is None:
            sid, csrf = self.app.store.new_session(self.app.clock.now_ms(), self.app.settings.session_ttl_s * 1000)
            self.sid, self.new_cookie = sid, sid
            self.session = self.app.store.session(sid, self.app.clock.now_ms())
            return csrf
        return str(self.session["csrf"])

    def render(self, template: str, status: int = 200, **ctx: Any) -> Response:
        ctx.update(request=self.request, t=self.t, lang=self.lang, csrf=self.csrf(), logged_in=bool(self.customer_id))
        resp = TEMPLATES.TemplateResponse(self.request, template, ctx, status_code=status)
        self.set_cookie(resp)
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self' "
                                                   "'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
                                                   "form-action 'self' " + self.app.pay_origin)
        return resp

    def set_cookie(self, resp: Response) -> None:
        if self.new_cookie:
            resp.set_cookie(COOKIE, self.new_cookie, max_age=self.app.settings.session_ttl_s, httponly=True,
                            secure=self.app.settings.cookie_secure, samesite="lax", path="/")

    def redirect(self, url: str) -> Response:
        resp = RedirectResponse(url, status_code=303)
        self.set_cookie(resp)
        return resp

    def error(self, status: int, message: str) -> Response:
        return self.render("error.html", status=status, message=message)


def guarded(fn: Callable[[Any, Page], Awaitable[Response]]) -> Callable[[Any, Request], Awaitable[Response]]:
    """A page for a logged-in customer only."""
    async def run(self: Any, request: Request) -> Response:
        page = Page(self, request)
        if not page.customer_id:
            return page.redirect("/login")
        return await fn(self, page)
    return run


class CustomerWeb:
    def __init__(self, gateway: Gateway, store: WebStore, settings: WebSettings, *, clock: Clock | None = None,
                 pay_origin: str = "") -> None:
        self.gateway = gateway
        self.store = store
        self.settings = settings
        self.clock = clock or SystemClock()
        self.pay_origin = pay_origin
        hub_lang = gateway.home.settings().language
        self.late_reason = translations(hub_lang).gettext(LATE)
        routes = [
            Route("/", self.index), Route("/login", self.login, methods=["GET", "POST"]),
            Route("/login/code", self.login_code, methods=["GET", "POST"]), Route("/logout", self.logout, methods=["POST"]),
            Route("/lang/{lang}", self.set_lang), Route("/orders", self.orders),
            Route("/request", self.request_form, methods=["GET", "POST"]),
            Route("/orders/{order_id}", self.order), Route("/orders/{order_id}/photo", self.photo),
            Route("/orders/{order_id}/decide", self.decide, methods=["POST"]),
            Route("/orders/{order_id}/pay", self.pay, methods=["POST"]),
            Route("/orders/{order_id}/abandon", self.abandon, methods=["POST"]),
            Route("/orders/{order_id}/rate", self.rate, methods=["GET", "POST"]),
            Route("/orders/{order_id}/documents", self.documents, methods=["GET", "POST"]),
        ]
        self.asgi = Starlette(routes=routes)

    # -- helpers ---------------------------------------------------------------------------------------
    async def form(self, page: Page, max_bytes: int = 64 * 1024) -> dict[str, Any] | Response:
        """The POSTed form after the size and CSRF checks, or the refusal to send."""
        length = int(page.request.headers.get("content-length") or 0)
        if length > max_bytes:
            # Read (and drop) a bounded amount first: answering mid-upload breaks the phone's connection
            # and it would show a network error instead of this page.
            drained = 0
            async for chunk in page.request.stream():
                drained += len(chunk)
                if drained > DRAIN_MAX:
                    break
            return page.error(413, page.t("The upload is too large."))
        form = await page.request.form(max_files=4, max_fields=40, max_part_size=self.settings.max_photo_bytes + 1)
        data = {k: form.get(k) for k in form}
        if page.session is None or data.get("csrf") != page.session["csrf"]:
            return page.error(403, page.t("This form has expired or did not come from this site; please try again."))
        return data

    async def photo_field(self, page: Page, data: dict[str, Any], name: str,
                          missing: str) -> tuple[bytes, str | None]:
        """One uploaded photo of a form and, if it is refused, the field error the customer reads."""
        f = data.get(name)
        blob = await f.read() if isinstance(f, UploadFile) else b""
        if not blob:
            return blob, missing
        if len(blob) > self.settings.max_photo_bytes:
            return blob, page.t("The photo is too large.")
        if image_problem(blob, content_type_of(blob)) is not None:
            return blob, page.t("Not a JPEG or PNG photo.")
        return blob, None

    def customer(self, page: Page) -> WebCustomer | None:
        return self.gateway.party(page.customer_id) if page.customer_id else None

    def view(self, page: Page, order_id: str) -> OrderView | None:
        """The order, only if the hub told this customer about it."""
        if not page.customer_id or not ORDER_RE.match(order_id):
            return None
        messages = self.store.messages(page.customer_id, order_id)
        return order_view(order_id, messages, self.late_reason) if messages else None

    # -- login -------------------------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        page = Page(self, request)
        return page.redirect("/orders" if page.customer_id else "/login")

    async def set_lang(self, request: Request) -> Response:
        lang = request.path_params["lang"]
        resp = RedirectResponse(request.headers.get("referer") or "/", status_code=303)
        if lang in LANGUAGES:
            resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86_400, httponly=True, secure=self.settings.cookie_secure,
                            samesite="lax", path="/")
        return resp

    async def login(self, request: Request) -> Response:
        page = Page(self, request)
        if request.method == "GET":
            return page.render("login.html", mobile="", problem="")
        data = await self.form(page)
        if isinstance(data, Response):
            return data
        mobile = str(data.get("mobile") or "").strip()
        if not MOBILE_RE.match(mobile):
            return page.render("login.html", status=400, mobile=mobile,
                               problem=page.t("not a mainland China mobile number (11 digits starting 13-19)"))
        try:
            code = otp.issue(self.store, self.settings, mobile, self.clock.now_ms())
        except otp.OtpRefusal as exc:
            if exc.code == "too_soon":  # a code is on its way: go and type it
                return page.redirect(f"/login/code?mobile={mobile}")
            return page.render("login.html", status=429, mobile=mobile,
                               problem=page.t("Too many codes for this number; try again in an hour."))
        await run_in_threadpool(self.gateway.send_login_code, mobile, code)
        return page.redirect(f"/login/code?mobile={mobile}")

    async def login_code(self, request: Request) -> Response:
        page = Page(self, request)
        if request.method == "GET":
            mobile = request.query_params.get("mobile", "")
            return page.render("code.html", mobile=mobile if MOBILE_RE.match(mobile) else "", problem="")
        data = await self.form(page)
        if isinstance(data, Response):
            return data
        mobile, code = str(data.get("mobile") or ""), str(data.get("code") or "")
        if not MOBILE_RE.match(mobile):
            return page.error(400, page.t("not a mainland China mobile number (11 digits starting 13-19)"))
        try:
            otp.check(self.store, self.settings, mobile, code, self.clock.now_ms())
        except otp.OtpRefusal as exc:
            problem = {"wrong": page.t("That code is not right."),
                       "locked": page.t("Too many wrong codes: ask for a new code."),
                       "expired": page.t("That code has expired: ask for a new code.")}.get(exc.code, str(exc))
            return page.render("code.html", status=401 if exc.code == "wrong" else 429, mobile=mobile, problem=problem)
        customer = await run_in_threadpool(self.gateway.customer, mobile)
        self.store.login(page.sid, customer.id)
        return page.redirect("/orders")

    async def logout(self, request: Request) -> Response:
        page = Page(self, request)
        data = await self.form(page)
        if isinstance(data, Response):
            return data
        self.store.logout(page.sid)
        return page.redirect("/login")

    # -- orders ------------------------------------------------------------------------------------------
    @guarded
    async def orders(self, page: Page) -> Response:
        assert page.customer_id is not None
        views = [self.view(page, o) for o in self.store.orders_of(page.customer_id)]
        return page.render("orders.html", orders=[x for x in views if x is not None])

    @guarded
    async def request_form(self, page: Page) -> Response:
        if page.request.method == "GET":
            return page.render("request.html", values={}, problems={})
        data = await self.form(page, max_bytes=3 * self.settings.max_photo_bytes + 64 * 1024)
        if isinstance(data, Response):
            return data
        values = {k: x for k, x in data.items() if isinstance(x, str)}
        problems: dict[str, str] = {}
        photos: dict[str, bytes] = {}
        for name in ("customer_id_photo", "voucher_id_photo"):
            blob, problem = await self.photo_field(page, data, name, page.t("required: a photo of the ID card"))
            if problem is not None:
                problems[name] = problem
            else:
                photos[name] = blob
        if problems:
            return page.render("request.html", status=400, values=values, problems=problems)
        customer = self.customer(page)
        assert customer is not None
        wait = self.settings.wait_s
        try:
            shas = {k: await run_in_threadpool(customer.upload_id_photo, b, wait) for k, b in photos.items()}
        except Exception as exc:  # the hub refused the photo, or did not answer
            return page.render("request.html", status=400, values=values,
                               problems={"customer_id_photo": page.t("The hub did not take the photo: ") + str(exc)})
        body = request_body(values, shas, customer_mobile_of(customer.id), self.clock.now_ms())
        result = await run_in_threadpool(customer.ask, "customer.request", body, wait)
        if not result.get("ok"):
            return page.render("request.html", status=400, values=values,
                               problems={e["field"] or "_": e["message"] for e in result.get("errors", [])})
        return page.redirect(f"/orders/{result['order_id']}")

    def _own_order(self, page: Page, request: Request) -> OrderView | Response:
        """The signed-in customer's own order named in the path; the login page without a session, and the
        same 404 for an order that does not exist as for somebody else's."""
        if not page.customer_id:
            return page.redirect("/login")
        view = self.view(page, request.path_params["order_id"])
        return page.error(404, page.t("No such order of yours.")) if view is None else view

    async def order(self, request: Request) -> Response:
        page = Page(self, request)
        view = self._own_order(page, request)
        if isinstance(view, Response):
            return view
        return page.render("order.html", o=view, due=self._due_text(view))

    def _due_text(self, view: OrderView) -> str:
        due = self.gateway.documents_due_ms(view.order_id) if view.can_send_documents else None
        if due is None:
            return ""
        import datetime as dt

        return dt.datetime.fromtimestamp(due / 1000, tz=dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")

    async def documents(self, request: Request) -> Response:
        """R-11: a photo of the ID card and of the deed, purchase contract or vehicle licence, within 3 days."""
        page = Page(self, request)
        view = self._own_order(page, request)
        if isinstance(view, Response):
            return view
        if request.method == "GET" or not view.can_send_documents:
            if not view.can_send_documents:
                return page.error(409, page.t("This order cannot do that now."))
            return page.render("documents.html", o=view, due=self._due_text(view), problems={}, values={})
        data = await self.form(page, max_bytes=2 * self.settings.max_photo_bytes + 64 * 1024)
        if isinstance(data, Response):
            return data
        values = {k: x for k, x in data.items() if isinstance(x, str)}
        problems: dict[str, str] = {}
        photos: list[bytes] = []
        for name in ("id_photo", "doc_photo"):
            blob, problem = await self.photo_field(page, data, name, page.t("required: a photo"))
            if problem is not None:
                problems[name] = problem
            else:
                photos.append(blob)
        doc_type = values.get("doc_type", "")
        if doc_type not in ("property_deed", "purchase_contract", "vehicle_licence"):
            problems["doc_type"] = page.t("Choose the document.")
        if problems:
            return page.render("documents.html", status=400, o=view, due=self._due_text(view), problems=problems,
                               values=values)
        customer = self.customer(page)
        assert customer is not None
        oid = view.order_id
        try:
            media = [await run_in_threadpool(customer.upload_document, b, oid, self.settings.wait_s) for b in photos]
        except Exception as exc:
            return page.render("documents.html", status=400, o=view, due=self._due_text(view), values=values,
                               problems={"doc_photo": page.t("The hub did not take the photo: ") + str(exc)})
        result = await run_in_threadpool(customer.ask, "customer.documents", {
            "order_id": oid, "doc_types": ["id_card", doc_type], "media": media,
            "holder_name": values.get("holder_name", "")[:60], "holder_id_number": ""}, self.settings.wait_s)
        if not result.get("ok"):
            return page.render("documents.html", status=400, o=view, due=self._due_text(view), values=values,
                               problems={"_": "; ".join(e["message"] for e in result.get("errors", []))})
        self.store.keep(customer.id, oid, "web.documents", f"documents-{oid}", {}, self.clock.now_ms())
        return page.redirect(f"/orders/{oid}")

    async def photo(self, request: Request) -> Response:
        """The offered locksmith's photo, only for the customer the hub showed the card to."""
        page = Page(self, request)
        view = self.view(page, request.path_params["order_id"])
        if view is None or view.card is None:
            return Response(status_code=404)
        blob = await run_in_threadpool(self.gateway.photo, str(view.card["photo_sha256"]))
        if blob is None:
            return Response(status_code=404)
        return Response(blob, media_type=content_type_of(blob), headers={"Cache-Control": "private, no-store"})

    async def _act(self, request: Request, check: Callable[[OrderView], bool], type_name: str,
                   body: Callable[[OrderView, dict[str, Any]], dict[str, Any]]) -> Response:
        page = Page(self, request)
        if not page.customer_id:
            return page.redirect("/login")
        data = await self.form(page)
        if isinstance(data, Response):
            return data
        view = self._own_order(page, request)
        if isinstance(view, Response):
            return view
        if not check(view):
            return page.error(409, page.t("This order cannot do that now."))
        customer = self.customer(page)
        assert customer is not None
        result = await run_in_threadpool(customer.ask, type_name, body(view, data), self.settings.wait_s)
        if not result.get("ok"):
            return page.error(400, "; ".join(e["message"] for e in result.get("errors", [])))
        return page.redirect(self.after(view, type_name))

    @staticmethod
    def after(view: OrderView, type_name: str) -> str:
        return f"/orders/{view.order_id}"

    async def decide(self, request: Request) -> Response:
        return await self._act(request, lambda o: o.can_decide, "customer.decision",
                               lambda o, d: {"order_id": o.order_id, "accept": d.get("accept") == "1"})

    async def pay(self, request: Request) -> Response:
        page = Page(self, request)
        resp = await self._act(request, lambda o: o.can_pay, "customer.pay",
                               lambda o, d: {"order_id": o.order_id, "amount_fen": o.amount_fen or 0,
                                             "provider": "sandbox", "external_ref": ""})
        if resp.status_code != 303 or not page.customer_id:
            return resp
        view = self.view(page, request.path_params["order_id"])
        return page.redirect(view.pay_url if view is not None and view.pay_url else resp.headers["location"])

    async def abandon(self, request: Request) -> Response:
        return await self._act(request, lambda o: o.can_abandon, "customer.abandon",
                               lambda o, d: {"order_id": o.order_id, "reason": str(d.get("reason") or "")[:200]})

    async def rate(self, request: Request) -> Response:
        if request.method == "GET":
            page = Page(self, request)
            view = self._own_order(page, request)
            if isinstance(view, Response):
                return view
            return page.render("order.html", o=view)
        resp = await self._act(request, lambda o: o.can_rate, "customer.rate",
                               lambda o, d: {"order_id": o.order_id, "stars": _stars(d.get("stars")),
                                             "note": str(d.get("note") or "")[:200]})
        page = Page(self, request)
        if resp.status_code == 303 and page.customer_id:  # the hub took it: the page says thank you
            form = await request.form()
            oid = request.path_params["order_id"]
            self.store.keep(page.customer_id, oid, "web.rated", f"rated-{oid}", {"stars": _stars(form.get("stars"))},
                            self.clock.now_ms())
        return resp


def _stars(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def customer_mobile_of(customer_id: str) -> str:
    return customer_id.removeprefix("web-")


def request_body(values: dict[str, str], shas: dict[str, str], mobile: str, now_ms: int) -> dict[str, Any]:
    """The R-3 request from the form; the hub checks every field and answers with field-level errors."""
    def num(name: str) -> float:
        try:
            return float(values.get(name) or "nan")
        except ValueError:
            return float("nan")

    voucher = {"name": values.get("voucher_name", ""), "id_number": values.get("voucher_id_number", "").upper(),
               "id_image_sha256": shas.get("voucher_id_photo", "")}
    body: dict[str, Any] = {
        "customer_name": values.get("customer_name", ""), "customer_mobile": mobile,
        "customer_id_number": values.get("customer_id_number", "").upper(),
        "customer_id_image_sha256": shas.get("customer_id_photo", ""), "site_address": values.get("site_address", ""),
        "site_lat": num("site_lat"), "site_lon": num("site_lon"), "category": values.get("category", ""),
        "lock_class": values.get("lock_class", ""), "rule": values.get("rule", ""), "appointment_ms": None}
    if values.get("voucher_kind") == "officer":
        body["officer"] = {**voucher, "badge_number": values.get("badge_number", "")}
    else:
        body["witness"] = voucher
    when = values.get("appointment", "")
    if when:
        import datetime as dt

        try:
            local = dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
            body["appointment_ms"] = int(local.timestamp() * 1000)
        except ValueError:
            body["appointment_ms"] = -1  # the hub says what is wrong with it
    for k in ("site_lat", "site_lon"):
        if body[k] != body[k]:  # NaN: not given
            body[k] = 999.0  # out of range: the hub answers "latitude/longitude" for the field
    return body

