"""Signing in on the web: the sign-in form, who is signed in (re-read from the database on every rerun), and the
browser a sign-in is bound to (a digest of its XSRF cookie's token)."""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from indicators.domain.plain import md
from indicators.i18n import N_, label
from indicators.services.auth import SignInRefused, User, authenticate, current
from indicators.web.cache import get_store

USER = "_user"
BOUND = "_user_bound_to"
NOTICE = "_sign_in_notice"
XSRF_COOKIE = "_streamlit_xsrf"


def browser_token() -> str | None:
    """A digest of the secret only this browser holds: the token of Streamlit's XSRF cookie (sent with the
    websocket of every connection, never in a URL). The cookie's text is masked afresh on every page load
    (``2|mask|masked token|time``), so the token itself is unmasked before it is digested."""
    raw = st.context.cookies.get(XSRF_COOKIE)
    return token_digest(raw) if isinstance(raw, str) and raw else None


def token_digest(raw: str) -> str:
    """The SHA-256 of the token inside an XSRF cookie's text, whatever mask it was written with."""
    parts = raw.strip("\"'").split("|")
    try:
        if parts[0] == "2" and len(parts) >= 3:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            token = bytes(m ^ t for m, t in zip(mask * (len(masked) // max(1, len(mask)) + 1), masked))
        else:
            token = raw.encode("utf-8")
    except ValueError:
        token = raw.encode("utf-8")
    return hashlib.sha256(token).hexdigest()


def admin_in_this_browser() -> bool:
    """Whether the session's sign-in, as last read, is an administrator's made in this very browser."""
    user = st.session_state.get(USER)
    return isinstance(user, User) and user.can("admin") and st.session_state.get(BOUND) == browser_token()


def current_user() -> User | None:
    """The user signed in in this browser session, as the database holds the account now.

    Checked on every rerun: a session whose sign-in was made in another browser (a second connection that
    named this session's id, which appears in upload URLs) is signed out, and so is an account that was
    disabled or removed meanwhile; a changed role takes effect at once."""
    user = st.session_state.get(USER)
    if user is None:
        return None
    if st.session_state.get(BOUND) != browser_token():
        _sign_out(N_("signed_out_other_browser"))
        return None
    now = current(get_store(), user)
    if now is None:
        _sign_out(N_("signed_out_disabled"))
        return None
    if now != user:
        st.session_state[USER] = now
    return now


def _sign_out(reason: str | None = None) -> None:
    st.session_state.pop(USER, None)
    st.session_state.pop(BOUND, None)
    if reason:
        st.session_state[NOTICE] = reason


def sign_in_form(lang: str, where: Any = None) -> User | None:
    """A sign-in form (in ``where``, default the page). Failures are throttled in the database per account and
    client address (``auth.authenticate``), whatever session, process or replica they come from, and every
    attempt is recorded. The address is the websocket's peer: behind the proxy, the address nginx passes in
    X-Forwarded-For (trusted from 127.0.0.1 only, uvicorn's default); None on localhost."""
    where = where or st
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(label(notice, lang))
    with where.form("sign_in", clear_on_submit=True):
        name = st.text_input(label("user_name", lang), key="sign_in_name")
        password = st.text_input(label("password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(label("sign_in", lang))
    if not submitted:
        return None
    try:
        user = authenticate(get_store(), name, password, channel="web", address=st.context.ip_address)
    except SignInRefused as refused:
        st.error(label("sign_in_wait", lang, seconds=refused.wait) if refused.wait else label("sign_in_failed", lang))
        return None
    st.session_state[USER] = user
    st.session_state[BOUND] = browser_token()
    st.rerun()


def user_box(lang: str) -> User | None:
    """Who is signed in, with a sign-out button, in the sidebar."""
    user = current_user()
    if user is not None:
        st.sidebar.markdown(label("signed_in_as", lang, name=md(user.display_name), role=user.role))
        if st.sidebar.button(label("sign_out", lang), key="sign_out"):
            _sign_out()
            st.rerun()
    return user
