"""GitHub task lists that print: `- [ ]` and `- [x]` items start with ☐ and ☑.

A form control means nothing on paper and is not allowed in every EPUB reading system; a
box character survives PDF, EPUB and grey-scale printing, and a screen reader names it
("ballot box", "ballot box with check"). The item gets the class `task`, its list `tasks`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

UNCHECKED, CHECKED = "\u2610", "\u2611"
BOX = re.compile(r"^\[([ xX])\][ \t]+")


class TaskTreeprocessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for task_list in [e for e in root.iter() if e.tag in ("ul", "ol")]:
            items = [item for item in task_list if item.tag == "li"]
            if [item for item in items if _mark(item)]:
                task_list.set("class", " ".join([*(task_list.get("class") or "").split(), "tasks"]))


def _mark(item: ET.Element) -> bool:
    """Put the box at the start of a `[ ]` item; say whether it was one."""
    holder = item[0] if len(item) and item[0].tag == "p" and not (item.text or "").strip() else item
    box = BOX.match(holder.text or "")
    if box is None:
        return False
    done = box.group(1) != " "
    mark = ET.Element("span", {"class": "task-box done" if done else "task-box"})
    mark.text = CHECKED if done else UNCHECKED
    mark.tail = " " + (holder.text or "")[box.end() :]
    holder.text = ""
    holder.insert(0, mark)
    item.set("class", " ".join([*(item.get("class") or "").split(), "task"]))
    return True


class TaskExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(TaskTreeprocessor(md), "publish_tasks", 3)
