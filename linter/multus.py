"""Parse the k8s.v1.cni.cncf.io/networks annotation as Multus does (text and JSON forms)."""

from __future__ import annotations

import json
import re
from typing import Any

from eksa_lint.record import FrozenRecord, Record

NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_IFNAME = 15  # IFNAMSIZ - 1
MAC_RE = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")


class NetworkSelection(FrozenRecord):
    """One element of the annotation (a NetworkSelectionElement)."""

    _fields = ("name", "namespace", "interface", "ips", "mac", "json_form")
    __slots__ = _fields

    def __init__(
        self,
        name: str,
        namespace: str | None = None,
        interface: str | None = None,
        ips: tuple[str, ...] = (),
        mac: str | None = None,
        json_form: bool = False,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "namespace", namespace)
        object.__setattr__(self, "interface", interface)
        object.__setattr__(self, "ips", ips)
        object.__setattr__(self, "mac", mac)
        object.__setattr__(self, "json_form", json_form)


class ParsedNetworks(Record):
    _fields = ("selections", "errors")
    __slots__ = _fields

    def __init__(
        self,
        selections: list[NetworkSelection] | None = None,
        errors: list[str] | None = None,
    ) -> None:
        self.selections = [] if selections is None else selections
        self.errors = [] if errors is None else errors


def _check_name(name: str, what: str, errors: list[str]) -> None:
    if len(name) > 63 or not DNS1123_LABEL.match(name):
        errors.append(f'{what} "{name}" is not a DNS-1123 label (lower-case alphanumerics and "-", at most 63)')


def _check_ifname(ifname: str, errors: list[str]) -> None:
    if not ifname or len(ifname) > MAX_IFNAME or "/" in ifname or ifname.strip() != ifname:
        errors.append(f'interface name "{ifname}" must be 1-{MAX_IFNAME} characters without "/" or spaces')


def _parse_text(item: str, errors: list[str]) -> NetworkSelection | None:
    if item.count("/") > 1:
        errors.append(f'"{item}" has more than one "/"; use [namespace/]name[@interface]')
        return None
    if item.count("@") > 1:
        errors.append(f'"{item}" has more than one "@"; use [namespace/]name[@interface]')
        return None
    namespace = None
    rest = item
    if "/" in rest:
        namespace, rest = rest.split("/", 1)
    interface = None
    if "@" in rest:
        rest, interface = rest.split("@", 1)
    before = len(errors)
    if namespace is not None:
        _check_name(namespace, "namespace", errors)
    _check_name(rest, "network name", errors)
    if interface is not None:
        _check_ifname(interface, errors)
    if len(errors) > before:
        return None
    return NetworkSelection(name=rest, namespace=namespace, interface=interface)


def _parse_json_element(el: Any, i: int, errors: list[str]) -> NetworkSelection | None:
    if not isinstance(el, dict):
        errors.append(f"element {i} is {type(el).__name__}, not an object with a \"name\"")
        return None
    name = el.get("name")
    if not isinstance(name, str) or not name:
        errors.append(f'element {i} has no "name"')
        return None
    before = len(errors)
    _check_name(name, "network name", errors)
    namespace = el.get("namespace")
    if namespace is not None:
        if isinstance(namespace, str):
            _check_name(namespace, "namespace", errors)
        else:
            errors.append(f'element {i}: "namespace" must be a string')
    interface = el.get("interface")
    if interface is not None:
        if isinstance(interface, str):
            _check_ifname(interface, errors)
        else:
            errors.append(f'element {i}: "interface" must be a string')
    ips = el.get("ips")
    ip_list: tuple[str, ...] = ()
    if ips is not None:
        from eksa_lint import ipnet

        if not isinstance(ips, list) or not all(isinstance(x, str) for x in ips):
            errors.append(f'element {i}: "ips" must be a list of strings, got {ips!r}')
        else:
            for ip in ips:
                if ipnet.parse_ip(ip.split("/")[0]) is None:
                    errors.append(f'element {i}: "ips" entry "{ip}" is not an IP address')
            ip_list = tuple(ips)
    mac = el.get("mac")
    if mac is not None and (not isinstance(mac, str) or not MAC_RE.match(mac)):
        errors.append(f'element {i}: "mac" {mac!r} is not a MAC address such as "c2:11:22:33:44:55"')
    if len(errors) > before:
        return None
    return NetworkSelection(name=name, namespace=namespace, interface=interface, ips=ip_list,
                            mac=mac, json_form=True)


def parse_networks(value: Any) -> ParsedNetworks:
    """Parse an annotation value; errors are messages, never exceptions."""
    out = ParsedNetworks()
    if not isinstance(value, str):
        out.errors.append(f"the value must be a string, got {type(value).__name__}")
        return out
    text = value.strip()
    if not text:
        return out
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError as e:
            out.errors.append(f"invalid JSON: {e}")
            return out
        if not isinstance(data, list):
            out.errors.append("the JSON form must be a list of objects")
            return out
        for i, el in enumerate(data):
            sel = _parse_json_element(el, i, out.errors)
            if sel:
                out.selections.append(sel)
        return out
    if text.startswith("{"):
        out.errors.append("the JSON form must be a list of objects ([{...}]), not a single object")
        return out
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        sel = _parse_text(item, out.errors)
        if sel:
            out.selections.append(sel)
    return out
