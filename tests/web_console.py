"""Helpers for the console tests: a free loopback port, and a staff member who sets up their
account from the one-time link and logs in with a real TOTP code, over real HTTP."""

from __future__ import annotations

import datetime as dt
import re
import socket

import aiohttp
import pyotp

PASSWORD = "mat-khau-dai-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]*)"', html)
    assert match, html[:500]
    return match.group(1)


def secret_of(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]{32})<', html)
    assert match, html[:500]
    return match.group(1)


def code_at(secret: str, when: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def session() -> aiohttp.ClientSession:
    """A browser-like client: keeps cookies for 127.0.0.1, does not follow redirects blindly."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def enrol(http: aiohttp.ClientSession, link: str, now: dt.datetime,
                password: str = PASSWORD) -> str:
    """Open the setup link, set the password and confirm the app's code; the TOTP secret."""
    async with http.get(link) as response:
        assert response.status == 200
        html = await response.text()
    secret = secret_of(html)
    form = {"csrf": csrf_of(html), "secret": secret, "password": password,
            "password2": password, "code": code_at(secret, now)}
    async with http.post(link, data=form) as response:
        assert response.status == 200, await response.text()
    return secret


async def login(http: aiohttp.ClientSession, base: str, name: str, secret: str,
                when: dt.datetime, password: str = PASSWORD) -> aiohttp.ClientResponse:
    """Log in with the code the app shows at ``when``; the response (303 to / on success)."""
    async with http.get(f"{base}/login") as response:
        html = await response.text()
    form = {"csrf": csrf_of(html), "login": name, "password": password,
            "code": code_at(secret, when)}
    async with http.post(f"{base}/login", data=form, allow_redirects=False) as response:
        await response.read()
        return response
