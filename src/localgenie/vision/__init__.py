"""KitchenGenie vision: ingredients recognised in photos, offline or with a vision server.

    from localgenie.vision import recognise
    result = recognise(["fridge.jpg"])                 # embedded: EfficientNet-Lite0 + trained head
    for item in result.items:
        print(item.ingredient, item.status, f"{item.confidence:.0%}")

    from localgenie.vision import recognise_remote    # any OpenAI-compatible server with image input
    result = recognise_remote(["fridge.jpg"], OpenAICompatBackend("http://localhost:11434", model="llava"))

Nothing here writes to the pantry: `apply_answer` turns the user's confirmation into names, and
"maybe" items are only added when the user picks them.
"""

from localgenie.vision.confirm import apply_answer
from localgenie.vision.head import Head, load_head
from localgenie.vision.images import Photo, open_photo
from localgenie.vision.recognise import LIKELY, MAYBE, Found, Recognition, propose_regions, recognise
from localgenie.vision.remote import (
    PhotoIngredients,
    recognise_configured,
    recognise_remote,
    vision_server_from_env,
)

__all__ = [
    "LIKELY",
    "MAYBE",
    "Found",
    "Head",
    "Photo",
    "PhotoIngredients",
    "Recognition",
    "apply_answer",
    "load_head",
    "open_photo",
    "propose_regions",
    "recognise",
    "recognise_configured",
    "recognise_remote",
    "vision_server_from_env",
]
