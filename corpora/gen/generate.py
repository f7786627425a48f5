#!/usr/bin/env python3
"""Large, seeded, realistic mail-archive generator for smimescan benchmarks.

    python3 corpora/gen/generate.py --out /tmp/arch-1g.mbox --size 1G --seed 1

Writes an mbox (mboxrd) file or a Maildir of roughly --size bytes: plain text
mails, text+HTML multipart/alternative, mails with base64 attachments, RFC 2047
encoded subjects and display names, `From ` lines in bodies, Received chains.
A share of the messages is S/MIME: pool templates built once by make-pool.sh
are copied byte for byte behind fresh outer headers, so signatures stay valid.

Prints a JSON manifest (counts per category) and writes it to
<out>.manifest.json. Python 3.11 standard library only. See README.md.
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import os
import quopri
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_POOL = os.path.join(HERE, "pool")
SCAN_AT = "2026-06-01T00:00:00Z"   # inside 2020..2045, after the expired signer's 2021 end

# ---------------------------------------------------------------- vocabulary
WORDS = """the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there been one all we their has would
when if so no will can more about than its into them only other new some could time
these two may then do first any my now such like our over man even most made after
also did many before must through back years where much your way well down should
because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while
last might us great old year off come since against go came right used take three
report budget meeting contract invoice migration archive mailbox server backup audit
review quarter ledger figures approval deadline schedule project customer supplier
delivery shipment renewal certificate policy security password update release draft
agenda minutes travel expense claim payroll training workshop conference partner
proposal estimate forecast revenue margin pipeline ticket incident outage change
request deployment rollout testing feedback summary action item owner status risk""".split()

FIRST = ("Anna Ben Clara David Eva Felix Greta Hugo Ida Jonas Karla Lukas Mia Noah Olga "
         "Paul Quinn Rosa Sven Tina Uwe Vera Walter Xenia Yusuf Zoe Liam Emma Oliver "
         "Sophia James Isabella Lucas Amelia Mateo Harper Elijah Nora Omar Priya").split()
LAST = ("Schmidt Meyer Weber Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf "
        "Neumann Schwarz Braun Zimmermann Krüger Hartmann Lange Smith Johnson Brown "
        "Garcia Miller Davis Rodriguez Martinez Lopez Wilson Anderson Taylor Thomas Moore "
        "Martin Jackson White Harris Clark Lewis Walker Young").split()
INTL_NAMES = ["Jürgen Groß", "François Dupré", "Łukasz Wójcik", "Søren Kierkegård",
              "José Muñoz", "Zoë Ångström", "Ελένη Παπαδοπούλου", "Иван Петров",
              "山田 太郎", "Çağla Öztürk", "Björn Ærø", "Renée Lefèvre", "Dvořák Antonín",
              "Małgorzata Kowalska", "Jörg Müßig"]
DOMAINS = ["corp.example.com", "example.org", "mail.example.net", "finance.example.com",
           "eu.example.org", "partner.example.net", "lists.example.com", "customer.example",
           "supplier.example.de", "uni.example.edu", "shop.example.co.uk", "gov.example"]
RELAYS = ["mx1.corp.example.com", "mx2.corp.example.com", "smtp.example.org",
          "mail-eu1.example.net", "relay.partner.example.net", "out.mailer.example"]
MAILERS = ["Microsoft Outlook 16.0", "Mozilla Thunderbird 115.6.0", "Apple Mail (2.3731)",
           "Evolution 3.50.1", "Roundcube Webmail/1.6.5", "Mutt/2.2.12", None, None, None]
SUBJ_INTL = ["Bestätigung der Überweisung", "Réunion de l'équipe — compte rendu",
             "Zażółć gęślą jaźń", "Отчёт за квартал", "会議の議事録", "Änderungen am Vertrag",
             "Café ☕ am Freitag?", "Προσφορά για το έργο", "Fåglar & ödlor", "Año nuevo, señal nueva"]
ATT_TYPES = [("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"),
             ("application/zip", "zip"), ("application/octet-stream", "bin"),
             ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
             ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")]
ATT_STEMS = ["report", "invoice", "scan", "photo", "contract", "minutes", "budget", "slides",
             "Übersicht", "Rechnung Nr", "résumé", "données"]
ZONES = [0, 0, 0, 60, 60, 120, -300, -240, -420, 330, 540, 600, -180]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
START_EPOCH = 1704067200           # 2024-01-01T00:00:00Z: Date headers run forward from here

MARK = "\x00B\x00"                 # boundary placeholder inside pre-rendered bodies
MARK2 = "\x00C\x00"                # nested boundary placeholder
FROM_RE = re.compile(rb"^(>*From )", re.M)

SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.I)


def parse_size(s: str) -> int:
    m = SIZE_RE.match(s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r} (use e.g. 5M, 200M, 1G)")
    mult = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


# ------------------------------------------------------------ header helpers
def ew_b(s: str, charset="UTF-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(s.encode(charset.lower())).decode()}?="


def ew_q(s: str, charset="UTF-8") -> str:
    out = []
    for b in s.encode(charset.lower()):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif c.isalnum() and b < 128:
            out.append(c)
        else:
            out.append(f"={b:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def encode_words(rng: random.Random, s: str) -> str:
    """Encode a non-ASCII phrase as RFC 2047 encoded-word(s), in varied styles."""
    try:
        s.encode("latin-1")
        latin = True
    except UnicodeEncodeError:
        latin = False
    r = rng.random()
    if latin and r < 0.25:
        return ew_q(s, "ISO-8859-1")
    if r < 0.55:
        return ew_q(s)
    if len(s) > 12 and r < 0.8:               # split over two encoded words, folded
        h = len(s) // 2
        return ew_b(s[:h]) + "\n " + ew_b(s[h:])
    return ew_b(s)


class People:
    def __init__(self, rng: random.Random, n: int = 600):
        self.people = []          # (rendered "Name <addr>", addr, encoded?)
        for i in range(n):
            if rng.random() < 0.15:
                name = rng.choice(INTL_NAMES)
                local = f"user{i}"
            else:
                f, l = rng.choice(FIRST), rng.choice(LAST)
                name = f"{f} {l}"
                local = rng.choice([f"{f}.{l}", f"{f[0]}{l}", f"{f}", f"{f}_{l}{i % 97}"]).lower()
                local = local.encode("ascii", "ignore").decode() or f"user{i}"
            addr = f"{local}@{rng.choice(DOMAINS)}"
            rendered, ew = self.render(rng, name, addr)
            self.people.append((rendered, addr, ew))

    @staticmethod
    def render(rng: random.Random, name: str, addr: str):
        if not name.isascii():
            return (f"{encode_words(rng, name)} <{addr}>", True)
        r = rng.random()
        if r < 0.1:
            return (addr, False)
        if r < 0.5:
            return (f'"{name}" <{addr}>', False)
        return (f"{name} <{addr}>", False)


def make_subjects(rng: random.Random, n: int = 3000):
    subs = []
    for _ in range(n):
        r = rng.random()
        if r < 0.12:
            s = rng.choice(SUBJ_INTL)
            if rng.random() < 0.3:
                s = f"{s} {rng.randint(1, 999)}"
            subs.append((rng.choice(["", "", "Re: ", "AW: ", "Fwd: "]) + encode_words(rng, s), True))
            continue
        words = rng.sample(WORDS[150:], rng.randint(2, 6)) + rng.sample(WORDS, rng.randint(0, 4))
        s = " ".join(words).capitalize()
        if rng.random() < 0.3:
            s = rng.choice(["Re: ", "RE: ", "Fwd: ", "Re: Re: ", "[project-x] ", "WG: "]) + s
        if rng.random() < 0.05:                # long subject, folded
            s = s + " - " + " ".join(rng.sample(WORDS, 12)) + "\n\t" + " ".join(rng.sample(WORDS, 10))
        subs.append((s, False))
    return subs


# ------------------------------------------------------------ body rendering
def sentence(rng: random.Random) -> str:
    w = [rng.choice(WORDS) for _ in range(rng.randint(5, 16))]
    return " ".join(w).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def wrap(text: str, width: int = 72) -> list[str]:
    lines, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


INTL_LINES = ["Grüße aus München, wir sehen uns nächste Woche.", "Merci beaucoup pour votre réponse rapide.",
              "Zażółć gęślą jaźń — test polskich znaków.", "Спасибо за отчёт, всё в порядке.",
              "ありがとうございます。よろしくお願いします。", "Der Betrag von 1.234,56 € wurde überwiesen."]


def text_paragraphs(rng: random.Random, target: int, intl: bool, from_lines: bool) -> list[list[str]]:
    """Paragraphs (lists of lines) of about `target` characters."""
    paras, size = [], 0
    greet = rng.choice(["Hi all,", "Hello,", "Dear colleagues,", "Hi,", "Guten Tag,", "Team,"])
    paras.append([greet])
    while size < target:
        lines = wrap(" ".join(sentence(rng) for _ in range(rng.randint(2, 6))))
        if intl and rng.random() < 0.4:
            lines.append(rng.choice(INTL_LINES))
        size += sum(len(x) + 1 for x in lines) + 1
        paras.append(lines)
    if from_lines:  # lines an mbox writer must quote (mboxrd: one more '>')
        pos = rng.randint(1, len(paras))
        paras.insert(pos, [rng.choice([
            "From what I can tell the numbers are fine.",
            "From the minutes of the last meeting:",
            "From now on please use the new address.",
            "From " + rng.choice(DOMAINS) + " we got no reply yet."]),
            rng.choice([">From the original mail: see below.", "quoted as usual",
                        ">>From an older thread.", "From: somebody else",
                        "", ""])])
        if rng.random() < 0.3:   # looks exactly like an mbox separator, after a blank line
            paras.insert(pos, ["-------- Forwarded message --------",
                               "From " + rng.choice(FIRST).lower() + "@" + rng.choice(DOMAINS)
                               + " Mon Jan  1 00:00:00 2024", "Subject: old thread"])
    if rng.random() < 0.3:  # a quoted reply
        q = ["On " + rng.choice(DAYS) + ", someone wrote:"]
        q += ["> " + x for x in wrap(" ".join(sentence(rng) for _ in range(rng.randint(1, 4))))]
        paras.append(q)
    paras.append(["-- ", rng.choice(FIRST) + " " + rng.choice(LAST),
                  rng.choice(["Sent from my phone", "Phone +49 30 1234567", "Finance department",
                              "IT Operations", "https://www.example.com"])])
    return paras


def render_text_part(rng: random.Random, paras, intl: bool) -> tuple[str, str]:
    """(content headers, body) of a text/plain part."""
    text = "\n\n".join("\n".join(p) for p in paras) + "\n"
    if not intl:
        text = text.encode("ascii", "replace").decode()
        return ("Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n",
                text)
    if rng.random() < 0.5:
        return ("Content-Type: text/plain; charset=utf-8; format=flowed\nContent-Transfer-Encoding: 8bit\n",
                text)
    qp = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    return ("Content-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n",
            qp)


def render_html_part(paras) -> tuple[str, str]:
    body = "".join("<p>" + "<br>\n".join(html.escape(x) for x in p) + "</p>\n" for p in paras)
    doc = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
           '<style>p{font-family:Calibri,sans-serif;font-size:11pt}</style></head>\n<body>\n'
           + body + "</body></html>\n")
    qp = quopri.encodestring(doc.encode("utf-8")).decode("ascii")
    return ("Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n", qp)


def render_body(rng: random.Random, kind: str, for_mixed: bool = False) -> str:
    """A MIME entity (content headers + blank line + body) with boundary MARKs.

    kind: 'text' or 'alt'. With for_mixed, the entity is used as the first part of
    a multipart/mixed and its own boundary is MARK2."""
    target = int(rng.lognormvariate(7.0, 0.9))           # median ~1.1 KB of text
    target = max(120, min(target, 24000))
    intl = rng.random() < 0.25
    from_lines = rng.random() < 0.08
    paras = text_paragraphs(rng, target, intl, from_lines)
    th, tb = render_text_part(rng, paras, intl)
    if kind == "text":
        return th + "\n" + tb
    m = MARK2 if for_mixed else MARK
    hh, hb = render_html_part(paras)
    return (f'Content-Type: multipart/alternative; boundary="{m}"\n\n'
            f"--{m}\n{th}\n{tb}\n--{m}\n{hh}\n{hb}\n--{m}--\n")


# ------------------------------------------------------------------ the pool
class Template:
    __slots__ = ("file", "category", "kind", "alg", "signer", "email", "name",
                 "attachment", "from_lines", "data", "data_mbox")


def load_pool(pool: str) -> list[Template]:
    out = []
    with open(os.path.join(pool, "templates.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            t = Template()
            (t.file, t.category, t.kind, t.alg, t.signer, t.email, t.name) = cols[:7]
            t.attachment = cols[7] == "1"
            t.from_lines = cols[8] == "1"
            with open(os.path.join(pool, "templates", t.file), "rb") as tf:
                t.data = tf.read().replace(b"\r\n", b"\n")
            out.append(t)
    return out


# --------------------------------------------------------------- generation
class Gen:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.mbox = args.format == "mbox"
        self.eol = b"\r\n" if args.crlf else b"\n"
        rng = random.Random(args.seed * 7919 + 17)         # for pre-rendering
        self.people = People(rng).people
        self.subjects = make_subjects(rng)
        # random blob, base64 with 76-char lines, sliced for attachments
        raw = rng.randbytes(3 << 20)
        b64 = base64.encodebytes(raw)                     # 76 chars + \n per line
        self.b64 = self.conv(b64)
        self.b64_line = 77 if not args.crlf else 78
        self.b64_lines = len(self.b64) // self.b64_line
        self.b64_view = memoryview(self.b64)
        # pre-rendered bodies: (chunks, has_from_lines)
        self.text_bodies = [self.prep(render_body(rng, "text")) for _ in range(500)]
        self.alt_bodies = [self.prep(render_body(rng, "alt")) for _ in range(300)]
        self.mixed_firsts = ([self.prep(render_body(rng, "text", True), MARK2) for _ in range(150)]
                             + [self.prep(render_body(rng, "alt", True), MARK2) for _ in range(100)])
        # templates
        tmpls = load_pool(args.pool)
        for t in tmpls:
            d = self.conv(t.data)
            t.data_mbox = FROM_RE.sub(rb">\1", d)
            t.data = d
        algs = set(args.algs)
        by = lambda cat: [t for t in tmpls if t.category == cat]
        self.t_valid = [t for t in by("valid") if t.alg in algs]
        if not self.t_valid:
            sys.exit(f"no valid templates for --algs {','.join(sorted(algs))}")
        self.t_expired = by("expired")
        self.t_untrusted = by("untrusted")
        self.t_tampered = [t for t in by("tampered") if t.alg in algs] or by("tampered")
        self.t_env = by("enveloped")
        self.rendered_names = {}
        self.t = START_EPOCH
        self.n = 0
        self.counts = {"plain": 0, "signed-valid": 0, "signed-expired": 0, "signed-untrusted": 0,
                       "signed-tampered": 0, "enveloped": 0}
        self.by_kind = {"plain": 0, "signed": 0, "signed-opaque": 0, "enveloped": 0}
        self.plain_types = {"text": 0, "alternative": 0, "mixed": 0}
        self.by_alg = {}
        self.by_template = {}
        self.att_msgs = 0
        self.att_parts = 0
        self.from_line_msgs = 0
        self.signed_from_line_msgs = 0
        self.ew_msgs = 0

    def conv(self, b: bytes) -> bytes:
        return b.replace(b"\n", b"\r\n") if self.a.crlf else b

    def prep(self, s: str, mark: str = MARK):
        """Encode, convert line ends, mboxrd-quote; split at the boundary mark."""
        b = self.conv(s.encode("utf-8"))
        fl = FROM_RE.search(b) is not None
        if self.mbox:
            b = FROM_RE.sub(rb">\1", b)
        return b.split(mark.encode()), fl

    # ---- headers
    def date(self):
        self.t += int(self.rng.expovariate(1 / 240.0)) + 1
        z = self.rng.choice(ZONES)
        tm = time.gmtime(self.t + z * 60)
        sign = "+" if z >= 0 else "-"
        za = abs(z)
        return (f"{DAYS[tm.tm_wday]}, {tm.tm_mday:02d} {MONTHS[tm.tm_mon - 1]} {tm.tm_year} "
                f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} {sign}{za // 60:02d}{za % 60:02d}")

    def envelope_date(self):
        tm = time.gmtime(self.t)
        return (f"{DAYS[tm.tm_wday]} {MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d} "
                f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} {tm.tm_year}")

    def headers(self, from_r: str, from_addr: str, ew: bool, to_addr: str | None = None) -> tuple[str, bool]:
        rng = self.rng
        date = self.date()
        subj, sew = rng.choice(self.subjects)
        if to_addr is None:
            to_r, to_addr, tew = rng.choice(self.people)
        else:
            to_r, tew = to_addr, False
        h = [f"Return-Path: <{from_addr}>\n"]
        dom = to_addr.rsplit("@", 1)[-1]
        hop_t = self.t + rng.randint(1, 20)
        by = f"mx.{dom}"
        for i in range(rng.randint(1, 3)):      # newest hop first, each older one a bit earlier
            relay = rng.choice(RELAYS)
            ip = f"{rng.randint(10, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            tm = time.gmtime(hop_t)
            h.append(f"Received: from {relay} ({relay} [{ip}])\n\tby {by} (Postfix) with ESMTPS id "
                     f"{rng.getrandbits(40):010X}\n\tfor <{to_addr}>; {DAYS[tm.tm_wday]}, {tm.tm_mday:02d} "
                     f"{MONTHS[tm.tm_mon - 1]} {tm.tm_year} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0000\n")
            by = relay
            hop_t -= rng.randint(0, 5)
        h.append(f"Date: {date}\nFrom: {from_r}\nTo: {to_r}\n")
        if rng.random() < 0.2:
            cc_r, _, cew = rng.choice(self.people)
            tew = tew or cew
            h.append(f"Cc: {cc_r}\n")
        h.append(f"Subject: {subj}\n")
        self.n += 1
        mid_dom = from_addr.rsplit("@", 1)[-1]
        h.append(f"Message-ID: <{self.t:x}.{self.n:07d}.{rng.getrandbits(32):08x}@{mid_dom}>\n")
        if subj.startswith(("Re:", "RE:", "AW:")) and rng.random() < 0.8:
            ref = f"<{rng.getrandbits(48):012x}@{rng.choice(DOMAINS)}>"
            h.append(f"In-Reply-To: {ref}\nReferences: {ref}\n")
        mailer = rng.choice(MAILERS)
        if mailer:
            h.append(f"X-Mailer: {mailer}\n")
        h.append("MIME-Version: 1.0\n")
        return "".join(h), (ew or sew or tew)

    def signer_from(self, t: Template) -> str:
        r = self.rendered_names.get(t.signer)
        if r is None:
            r = self.rendered_names[t.signer] = People.render(self.rng, t.name, t.email)[0]
        return r

    # ---- message bodies
    def attachment(self, parts: list, bnd: bytes):
        rng = self.rng
        size = int(2 ** rng.uniform(11.5, 18.6))            # ~3 KB .. ~400 KB decoded
        nlines = max(1, size // 57)
        start = rng.randrange(0, self.b64_lines - nlines)
        ctype, ext = rng.choice(ATT_TYPES)
        stem = rng.choice(ATT_STEMS)
        fname = f"{stem} {rng.randint(1, 9999)}.{ext}"
        if fname.isascii():
            disp = f'attachment; filename="{fname}"'
            name = f'name="{fname}"'
        elif rng.random() < 0.5:                             # RFC 2231
            enc = "".join(c if c.isalnum() and c.isascii() or c in ".-_" else
                          "".join(f"%{b:02X}" for b in c.encode()) for c in fname)
            disp = f"attachment;\n filename*=UTF-8''{enc}"
            name = f'name="{fname.encode("ascii", "replace").decode()}"'
        else:                                                # RFC 2047 in a parameter (common)
            disp = f'attachment; filename="{ew_b(fname)}"'
            name = f'name="{ew_b(fname)}"'
        eol = self.eol
        parts += [eol, b"--", bnd, eol,
                  self.conv(f"Content-Type: {ctype}; {name}\nContent-Transfer-Encoding: base64\n"
                            f"Content-Disposition: {disp}\n\n".encode()),
                  self.b64_view[start * self.b64_line:(start + nlines) * self.b64_line]]
        self.att_parts += 1

    def boundary(self) -> bytes:
        return f"----=_Part_{self.n}_{self.rng.getrandbits(40):010x}".encode()

    def plain(self, parts: list):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            chunks, fl = rng.choice(self.text_bodies)
            parts.append(chunks[0])
            self.plain_types["text"] += 1
        elif r < 0.78:
            chunks, fl = rng.choice(self.alt_bodies)
            b = self.boundary()
            for c in chunks[:-1]:
                parts += [c, b]
            parts.append(chunks[-1])
            self.plain_types["alternative"] += 1
        else:
            eol = self.eol
            b = self.boundary()
            parts.append(b'Content-Type: multipart/mixed; boundary="' + b + b'"' + eol + eol
                         + b"This is a multi-part message in MIME format." + eol + b"--" + b + eol)
            chunks, fl = rng.choice(self.mixed_firsts)
            if len(chunks) > 1:
                b2 = self.boundary() + b"_alt"
                for c in chunks[:-1]:
                    parts += [c, b2]
            parts.append(chunks[-1])
            k = 1 if rng.random() < 0.75 else rng.randint(2, 3)
            for _ in range(k):
                self.attachment(parts, b)
            parts += [eol, b"--", b, b"--", eol]
            self.plain_types["mixed"] += 1
            self.att_msgs += 1
        if fl:
            self.from_line_msgs += 1

    # ---- main loop
    def pick(self):
        """-> (category, template or None)"""
        a, rng = self.a, self.rng
        if a.all_signed:
            return "signed-valid", rng.choice(self.t_valid)
        r = rng.random()
        if r < a.enveloped_share:
            return "enveloped", rng.choice(self.t_env)
        if r < a.enveloped_share + a.signed_share:
            s = rng.random()
            if s < a.expired_share:
                return "signed-expired", rng.choice(self.t_expired)
            s -= a.expired_share
            if s < a.untrusted_share:
                return "signed-untrusted", rng.choice(self.t_untrusted)
            s -= a.untrusted_share
            if s < a.tampered_share:
                return "signed-tampered", rng.choice(self.t_tampered)
            return "signed-valid", rng.choice(self.t_valid)
        return "plain", None

    def message(self) -> tuple[list, str]:
        """-> (list of byte chunks of the message in archive form, envelope sender)"""
        cat, t = self.pick()
        parts: list = []
        if t is None:
            from_r, from_addr, ew = self.rng.choice(self.people)
            hdr, ew = self.headers(from_r, from_addr, ew)
            parts.append(None)
            self.plain(parts)
            self.by_kind["plain"] += 1
        else:
            if cat == "enveloped":
                from_r, from_addr, ew = self.rng.choice(self.people)
                hdr, ew = self.headers(from_r, from_addr, ew, to_addr=t.email)
            else:
                from_addr = t.email
                from_r = self.signer_from(t)
                hdr, ew = self.headers(from_r, from_addr, not from_r.isascii() or "=?" in from_r)
                self.by_alg[t.alg] = self.by_alg.get(t.alg, 0) + 1
                if t.attachment:
                    self.att_msgs += 1
                    self.att_parts += 1
                if t.from_lines:
                    self.signed_from_line_msgs += 1
                    self.from_line_msgs += 1
            parts += [None, t.data_mbox if self.mbox else t.data]
            self.by_kind[t.kind] += 1
            self.by_template[t.file] = self.by_template.get(t.file, 0) + 1
        parts[0] = self.conv(hdr.encode("utf-8"))
        self.counts[cat] += 1
        if ew:
            self.ew_msgs += 1
        return parts, from_addr

    def run_mbox(self, path: str, limit: int) -> int:
        eol = self.eol
        total = 0
        buf, bufn = [], 0
        with open(path, "wb") as f:
            while total < limit:
                parts, sender = self.message()
                sep = f"From {sender} {self.envelope_date()}".encode() + eol
                parts.insert(0, sep)
                parts.append(eol)                 # blank line between messages
                n = sum(len(p) for p in parts)
                buf += parts
                bufn += n
                total += n
                if bufn >= 8 << 20:
                    f.write(b"".join(buf))
                    buf, bufn = [], 0
            f.write(b"".join(buf))
        return total

    def run_maildir(self, path: str, limit: int) -> tuple[int, dict]:
        sub = {"cur": 0, "new": 0, ".Sent/cur": 0}
        for d in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
            os.makedirs(os.path.join(path, d), exist_ok=True)
        open(os.path.join(path, ".Sent", "maildirfolder"), "wb").close()
        total = 0
        pid = 4000 + self.rng.randrange(50000)
        while total < limit:
            parts, _ = self.message()
            data = b"".join(parts)
            r = self.rng.random()
            usec = self.rng.randrange(1000000)
            base = f"{self.t}.M{usec}P{pid}Q{self.n}.gen.example,S={len(data)}"
            if r < 0.05:
                d, name = ".Sent/cur", base + ":2,S"
            elif r < 0.15:
                d, name = "new", base
            else:
                d, name = "cur", base + self.rng.choice([":2,S", ":2,S", ":2,RS", ":2,", ":2,FS"])
            sub[d] += 1
            with open(os.path.join(path, d, name), "wb") as f:
                f.write(data)
            total += len(data)
        return total, sub


def expected(counts: dict) -> dict:
    signed_ok = counts["signed-valid"] + counts["signed-expired"] + counts["signed-untrusted"]
    return {
        "by_signature": {"valid": signed_ok, "invalid": counts["signed-tampered"]},
        "by_chain": {"trusted": counts["signed-valid"] + counts["signed-tampered"],
                     "expired": counts["signed-expired"], "untrusted": counts["signed-untrusted"]},
        "by_verdict": {"compliant": counts["signed-valid"],
                       "violation": counts["signed-expired"] + counts["signed-untrusted"]
                       + counts["signed-tampered"],
                       "encrypted": counts["enveloped"], "unsigned": counts["plain"]},
        "by_finding": {"CERT_EXPIRED": counts["signed-expired"],
                       "CHAIN_UNTRUSTED": counts["signed-untrusted"],
                       "SIG_INVALID": counts["signed-tampered"]},
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="mbox file, or Maildir folder (must not exist or be empty)")
    p.add_argument("--size", required=True, type=parse_size,
                   help="target total size: bytes or K/M/G/T (binary, 1M = 2^20); the last message may overshoot")
    p.add_argument("--format", choices=["mbox", "maildir"], default="mbox")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--signed-share", type=float, default=0.10, help="share of messages S/MIME signed (0.10)")
    p.add_argument("--enveloped-share", type=float, default=0.01, help="share of messages enveloped (0.01)")
    p.add_argument("--expired-share", type=float, default=0.03,
                   help="share of SIGNED messages by the expired signer (0.03)")
    p.add_argument("--untrusted-share", type=float, default=0.03,
                   help="share of SIGNED messages by the untrusted-root signer (0.03)")
    p.add_argument("--tampered-share", type=float, default=0.03,
                   help="share of SIGNED messages whose content was changed after signing (0.03)")
    p.add_argument("--all-signed", action="store_true",
                   help="every message is validly signed (RSA-2048 unless --algs says otherwise)")
    p.add_argument("--algs", default=None,
                   help="signer algorithms for valid signatures: rsa,p256 (default both; rsa with --all-signed)")
    p.add_argument("--crlf", action="store_true", help="CRLF line endings throughout")
    p.add_argument("--pool", default=DEFAULT_POOL, help="template pool made by make-pool.sh")
    p.add_argument("--no-manifest-file", action="store_true", help="print the manifest only")
    a = p.parse_args(argv)
    if a.algs is None:
        a.algs = ["rsa"] if a.all_signed else ["rsa", "p256"]
    else:
        a.algs = [x.strip() for x in a.algs.split(",") if x.strip()]
        bad = set(a.algs) - {"rsa", "p256"}
        if bad:
            p.error(f"unknown --algs {','.join(sorted(bad))} (known: rsa, p256)")
    if a.signed_share + a.enveloped_share > 1 or a.expired_share + a.untrusted_share + a.tampered_share > 1:
        p.error("shares add up to more than 1")
    out = a.out.rstrip("/") or a.out
    if a.format == "maildir" and os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        p.error(f"{out} exists and is not an empty folder")

    t0 = time.perf_counter()
    g = Gen(a)
    t1 = time.perf_counter()
    sub = None
    if a.format == "mbox":
        total = g.run_mbox(out, a.size)
    else:
        total, sub = g.run_maildir(out, a.size)
    t2 = time.perf_counter()
    pool_rel = os.path.abspath(a.pool)
    man = {
        "generator": "corpora/gen/generate.py",
        "out": out, "format": a.format, "crlf": a.crlf, "seed": a.seed, "size_target": a.size,
        "options": {"signed_share": a.signed_share, "enveloped_share": a.enveloped_share,
                    "expired_share": a.expired_share, "untrusted_share": a.untrusted_share,
                    "tampered_share": a.tampered_share, "all_signed": a.all_signed, "algs": a.algs},
        "messages": sum(g.counts.values()), "bytes": total,
        "categories": g.counts,
        "attachments": g.att_msgs, "attachment_parts": g.att_parts,
        "by_kind": g.by_kind, "plain_types": g.plain_types,
        "by_signer_alg": g.by_alg,
        "messages_with_from_lines": g.from_line_msgs,
        "signed_with_from_lines": g.signed_from_line_msgs,
        "messages_with_encoded_words": g.ew_msgs,
        "by_template": dict(sorted(g.by_template.items())),
        "expected_scan": expected(g.counts),
        "scan": {"trust": os.path.join(pool_rel, "pki", "root.pem"),
                 "certs": os.path.join(pool_rel, "pki", "inter.pem"),
                 "at": SCAN_AT},
        "elapsed_seconds": round(t2 - t0, 3), "setup_seconds": round(t1 - t0, 3),
    }
    if sub is not None:
        man["maildir_folders"] = sub
    js = json.dumps(man, indent=2, ensure_ascii=False)
    print(js)
    if not a.no_manifest_file:
        with open(out + ".manifest.json", "w", encoding="utf-8") as f:
            f.write(js + "\n")


if __name__ == "__main__":
    main()
