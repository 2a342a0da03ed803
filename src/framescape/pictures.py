"""Frame pictures made small, for the static maps and the viewer."""

from PIL import Image


def thumbnail(path, width, resample=Image.BICUBIC):
    """The picture at ``path`` as RGB, ``width`` pixels wide, aspect ratio kept."""
    with Image.open(path) as image:
        height = max(1, round(image.height * width / image.width))
        return image.convert("RGB").resize((width, height), resample)
