"""XPath answers with their types: lxml's stubs give every XPath one loose union."""

from typing import cast

from lxml import etree


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """What an XPath that selects elements finds under node."""
    return cast(list[etree._Element], node.xpath(path))


def strings(node: etree._Element, path: str) -> list[str]:
    """What an XPath that selects attributes or text finds under node."""
    return cast(list[str], node.xpath(path))
