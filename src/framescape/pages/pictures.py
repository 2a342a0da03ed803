"""Frame pictures made small, for the static maps and the viewer."""


from PIL import Image


def thumbnail(path, width, resample=Image.BICUBIC, max_height=None):
    """The picture at ``path`` as RGB, ``width`` pixels wide, aspect ratio kept.

    With ``max_height``, a picture that would come out higher than that is made
    ``max_height`` pixels high instead (and narrower), so that a portrait frame
    fits the same ``width``×``max_height`` box as a landscape one.
    """
    with Image.open(path) as image:
        height = max(1, round(image.height * width / image.width))
        if max_height is not None and height > max_height:
            width = max(1, round(image.width * max_height / image.height))
            height = max_height
        return image.convert("RGB").resize((width, height), resample)
