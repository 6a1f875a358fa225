# ruff: noqa: E501  (the vocabulary table below is data: one ingredient a line)
"""Rebuild KitchenGenie's package data from the public-domain USDA sources.

Usage: ``python tools/build_kitchen_data.py [SHARED_DATA_DIR]`` (default: ``localgenie.config.shared_data_dir()``).

Writes, under ``src/localgenie/kitchen/data/``:

* ``foodkeeper.json``  - FoodKeeper v128 shelf lives in days, per product, storage place and opened state.
* ``sr26.json.gz``     - SR26 per-100 g nutrients of every food, plus its household weights (WEIGHT table).
* ``ingredients.json`` - the ingredient vocabulary: canonical name, aliases, diet tags, the matched
  FoodKeeper product and SR26 food.  The core list below is hand-curated (recipe-style names are not what
  SR26 calls things); FoodKeeper product names are added on top so every product is reachable.

The output is deterministic (sorted keys, no timestamps) so a rebuild shows up as an empty diff.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "localgenie" / "kitchen" / "data"

# Tags: M meat/poultry, F fish/seafood, D dairy, E egg, G gluten, N nuts (tree nuts and peanuts),
# A other animal product (honey, gelatin: not vegan), S default staple.
# Format: canonical | tags | aliases (comma separated) | SR26 Long_Desc prefix used for nutrition.
CORE = """
salt|S|kosher salt,sea salt,table salt,coarse salt,fine salt|Salt, table
black pepper|S|pepper,ground black pepper,freshly ground black pepper,peppercorns,ground pepper|Spices, pepper, black
water|S|cold water,warm water,hot water,boiling water,ice water|Water, bottled, generic
ice|S|ice cubes|Water, bottled, generic
vegetable oil|S|canola oil,oil,cooking oil,corn oil,sunflower oil,peanut oil,frying oil|Oil, canola
olive oil|S|extra virgin olive oil,extra-virgin olive oil,virgin olive oil,light olive oil|Oil, olive, salad or cooking
cooking spray|S|nonstick cooking spray,vegetable cooking spray,cooking oil spray|Oil, canola
sugar|S|white sugar,granulated sugar,caster sugar,superfine sugar|Sugars, granulated
brown sugar|S|light brown sugar,dark brown sugar,packed brown sugar|Sugars, brown
powdered sugar||confectioners sugar,confectioners' sugar,icing sugar|Sugars, powdered
flour|GS|all-purpose flour,all purpose flour,plain flour,unbleached flour,white flour|Wheat flour, white, all-purpose, enriched, bleached
bread flour|G||Wheat flour, white, bread, enriched
whole wheat flour|G|wholemeal flour|Wheat flour, whole-grain
cake flour|G||Wheat flour, white, cake, enriched
self-rising flour|G|self raising flour|Wheat flour, white, all-purpose, self-rising
cornstarch|S|corn starch,cornflour|Cornstarch
baking soda|S|bicarbonate of soda,sodium bicarbonate|Leavening agents, baking soda
baking powder|S||Leavening agents, baking powder, double-acting, sodium aluminum sulfate
vanilla extract|S|vanilla,pure vanilla extract|Vanilla extract
yeast||active dry yeast,instant yeast,dry yeast,rapid rise yeast|Leavening agents, yeast, baker's, active dry
egg|E|eggs,large eggs,large egg,whole egg,whole eggs,hard-boiled eggs,hard boiled eggs|Egg, whole, raw, fresh
egg white|E|egg whites|Egg, white, raw, fresh
egg yolk|E|egg yolks,yolks|Egg, yolk, raw, fresh
butter|D|unsalted butter,salted butter,sweet butter|Butter, salted
margarine||vegetable oil spread|Margarine, regular, 80% fat, composite, stick, with salt
milk|D|whole milk,skim milk,2% milk,low-fat milk,lowfat milk,nonfat milk,fat-free milk|Milk, whole, 3.25% milkfat
buttermilk|D|low-fat buttermilk|Milk, buttermilk, fluid, cultured, lowfat
heavy cream|D|heavy whipping cream,whipping cream,double cream,cream|Cream, fluid, heavy whipping
half-and-half|D|half and half|Cream, fluid, half and half
sour cream|D|light sour cream|Cream, sour, cultured
cream cheese|D|neufchatel cheese|Cheese, cream
yogurt|D|plain yogurt,greek yogurt,yoghurt,plain greek yogurt|Yogurt, plain, whole milk
evaporated milk|D||Milk, canned, evaporated, with added vitamin D and without added vitamin A
sweetened condensed milk|D|condensed milk|Milk, canned, condensed, sweetened
cheese|D|shredded cheese|Cheese, cheddar
cheddar|D|cheddar cheese,sharp cheddar cheese,shredded cheddar cheese,sharp cheddar|Cheese, cheddar
mozzarella|D|mozzarella cheese,fresh mozzarella,shredded mozzarella cheese|Cheese, mozzarella, whole milk
parmesan|D|parmesan cheese,parmigiano-reggiano,parmigiano reggiano,grated parmesan cheese|Cheese, parmesan, grated
feta|D|feta cheese,crumbled feta cheese|Cheese, feta
goat cheese|D|chevre,fresh goat cheese|Cheese, goat, soft type
ricotta|D|ricotta cheese|Cheese, ricotta, whole milk
swiss cheese|D|gruyere,gruyere cheese,emmental|Cheese, swiss
monterey jack|D|monterey jack cheese,pepper jack cheese|Cheese, monterey
blue cheese|D|gorgonzola,crumbled blue cheese|Cheese, blue
provolone|D|provolone cheese|Cheese, provolone
cottage cheese|D||Cheese, cottage, creamed, large or small curd
chicken|M|chicken pieces,whole chicken,chicken meat,cooked chicken,rotisserie chicken|Chicken, broilers or fryers, meat and skin, raw
chicken breast|M|chicken breasts,boneless skinless chicken breasts,skinless chicken breast,chicken breast halves|Chicken, broilers or fryers, breast, meat and skin, raw
chicken thigh|M|chicken thighs,boneless chicken thighs|Chicken, broilers or fryers, dark meat, thigh, meat only, raw
chicken wings|M|chicken wing|Chicken, broilers or fryers, wing, meat and skin, raw
chicken broth|M|chicken stock,chicken bouillon|Soup, chicken broth, ready-to-serve
beef broth|M|beef stock,beef bouillon|Soup, beef broth or bouillon canned, ready-to-serve
vegetable broth||vegetable stock|Soup, chunky vegetable, canned, ready-to-serve
ground beef|M|lean ground beef,minced beef,hamburger|Beef, ground, 80% lean meat / 20% fat, raw
beef|M|beef chuck,chuck roast,stew meat,beef stew meat,sirloin,flank steak,steak,beef tenderloin,brisket|Beef, chuck, under blade pot roast or steak, boneless, separable lean only, trimmed to 0" fat, all grades, raw
pork|M|pork loin,pork tenderloin,pork chops,pork shoulder,pork butt|Pork, fresh, loin, whole, separable lean and fat, raw
ground pork|M||Pork, fresh, ground, raw
bacon|M|bacon strips,slices bacon,thick-cut bacon|Pork, cured, bacon, unprepared
ham|M|cooked ham,diced ham|Ham, sliced, regular (approximately 11% fat)
sausage|M|italian sausage,pork sausage,chorizo,andouille sausage,smoked sausage,kielbasa|Sausage, Italian, pork, raw
ground turkey|M||Turkey, whole, meat only, raw
turkey|M|turkey breast,whole turkey|Turkey, whole, meat only, raw
lamb|M|ground lamb,leg of lamb,lamb chops|Lamb, domestic, composite of trimmed retail cuts, separable lean and fat, trimmed to 1/4" fat, choice, raw
pepperoni|M||Pepperoni, pork, beef
prosciutto|M|pancetta|Ham, sliced, regular
salmon|F|salmon fillets,salmon fillet,smoked salmon|Fish, salmon, Atlantic, farmed, raw
tuna|F|canned tuna,tuna steaks|Fish, tuna, light, canned in water, drained solids
shrimp|F|prawns,large shrimp|Crustaceans, shrimp, mixed species, raw
white fish|F|cod,tilapia,halibut,fish fillets,cod fillets,haddock|Fish, cod, Atlantic, raw
anchovy|F|anchovies,anchovy fillets|Fish, anchovy, european, canned in oil, drained solids
crab|F|crabmeat,crab meat,lump crabmeat|Crustaceans, crab, blue, raw
scallops|F|sea scallops|Mollusks, scallop, mixed species, raw
mussels|F|clams|Mollusks, mussel, blue, raw
fish sauce|F||Sauce, fish, ready-to-serve
worcestershire sauce|F|worcestershire|Sauce, worcestershire
gelatin|A|unflavored gelatin,gelatine|Gelatins, dry powder, unsweetened
honey|A||Honey
spinach||baby spinach,fresh spinach,frozen spinach,spinach leaves|Spinach, raw
kale||lacinato kale|Kale, raw
lettuce||romaine lettuce,iceberg lettuce,romaine,mixed greens,salad greens,arugula,rocket|Lettuce, cos or romaine, raw
cabbage||red cabbage,green cabbage,napa cabbage|Cabbage, raw
broccoli||broccoli florets|Broccoli, raw
cauliflower||cauliflower florets|Cauliflower, raw
carrot||carrots,baby carrots|Carrots, raw
celery||celery stalks,celery ribs,celery stalk|Celery, raw
onion||onions,yellow onion,white onion,red onion,sweet onion,chopped onion,vidalia onion|Onions, raw
green onion||green onions,scallions,scallion,spring onions|Onions, spring or scallions (includes tops and bulb), raw
shallot||shallots|Shallots, raw
leek||leeks|Leeks, (bulb and lower leaf-portion), raw
garlic||garlic cloves,cloves garlic,clove garlic,minced garlic|Garlic, raw
ginger||fresh ginger,ginger root,gingerroot,ground ginger|Ginger root, raw
potato||potatoes,russet potatoes,red potatoes,yukon gold potatoes,baking potatoes|Potatoes, white, flesh and skin, raw
sweet potato||sweet potatoes,yams|Sweet potato, raw, unprepared
tomato||tomatoes,roma tomatoes,plum tomatoes,cherry tomatoes,grape tomatoes,diced tomatoes,crushed tomatoes,whole tomatoes|Tomatoes, red, ripe, raw, year round average
tomato paste|||Tomato products, canned, paste, without salt added
tomato sauce||marinara sauce,pasta sauce,spaghetti sauce|Tomato products, canned, sauce
bell pepper||green bell pepper,red bell pepper,yellow bell pepper,bell peppers,red pepper,green pepper,sweet pepper|Peppers, sweet, red, raw
chile pepper||jalapeno,jalapeno pepper,jalapenos,serrano pepper,chile,chili pepper,green chiles,chipotle peppers|Peppers, jalapeno, raw
zucchini||courgette,summer squash,yellow squash|Squash, summer, zucchini, includes skin, raw
eggplant||aubergine|Eggplant, raw
cucumber||cucumbers,english cucumber|Cucumber, with peel, raw
mushroom||mushrooms,button mushrooms,cremini mushrooms,shiitake mushrooms,portobello mushrooms,white mushrooms|Mushrooms, white, raw
asparagus|||Asparagus, raw
green beans||string beans,haricots verts|Beans, snap, green, raw
peas||green peas,frozen peas|Peas, green, raw
corn||corn kernels,sweet corn,frozen corn|Corn, sweet, yellow, raw
avocado||avocados|Avocados, raw, all commercial varieties
pumpkin||pumpkin puree,butternut squash,squash|Pumpkin, canned, without salt
beet||beets|Beets, raw
radish||radishes|Radishes, raw
olives||black olives,kalamata olives,green olives|Olives, ripe, canned (small-extra large)
capers|||Capers, canned
lemon||lemons|Lemons, raw, without peel
lemon juice||fresh lemon juice|Lemon juice, raw
lemon zest||lemon peel,grated lemon zest|Lemon peel, raw
lime||limes|Limes, raw
lime juice||fresh lime juice|Lime juice, raw
orange||oranges|Oranges, raw, all commercial varieties
orange juice|||Orange juice, raw
apple||apples,granny smith apples|Apples, raw, with skin
banana||bananas,ripe bananas|Bananas, raw
strawberries||strawberry|Strawberries, raw
blueberries||blueberry|Blueberries, raw
raspberries||raspberry|Raspberries, raw
cranberries||dried cranberries,craisins|Cranberries, raw
raisins||golden raisins|Raisins, seedless
peach||peaches|Peaches, raw
pear||pears|Pears, raw
pineapple||pineapple chunks,crushed pineapple|Pineapple, raw, all varieties
mango||mangoes|Mangos, raw
coconut||shredded coconut,flaked coconut,sweetened flaked coconut|Nuts, coconut meat, dried (desiccated), sweetened, shredded
coconut milk|||Nuts, coconut milk, canned (liquid expressed from grated meat and water)
cherries||cherry|Cherries, sweet, raw
grapes||grape|Grapes, red or green (European type, such as Thompson seedless), raw
dates|||Dates, medjool
parsley||fresh parsley,flat-leaf parsley,italian parsley|Parsley, fresh
cilantro||fresh cilantro,coriander leaves|Coriander (cilantro) leaves, raw
basil||fresh basil,basil leaves,dried basil|Basil, fresh
mint||fresh mint,mint leaves|Spearmint, fresh
dill||fresh dill|Dill weed, fresh
thyme||fresh thyme,dried thyme|Thyme, fresh
rosemary||fresh rosemary|Rosemary, fresh
oregano||dried oregano|Spices, oregano, dried
sage||fresh sage|Spices, sage, ground
bay leaf||bay leaves|Spices, bay leaf
cinnamon||ground cinnamon,cinnamon stick|Spices, cinnamon, ground
nutmeg||ground nutmeg|Spices, nutmeg, ground
cumin||ground cumin,cumin seeds|Spices, cumin seed
paprika||smoked paprika|Spices, paprika
chili powder|||Spices, chili powder
cayenne pepper||cayenne,ground cayenne pepper|Spices, pepper, red or cayenne
red pepper flakes||crushed red pepper flakes,crushed red pepper,pepper flakes,aleppo pepper flakes,aleppo pepper|Spices, pepper, red or cayenne
curry powder|||Spices, curry powder
garlic powder|||Spices, garlic powder
onion powder|||Spices, onion powder
italian seasoning|||Spices, oregano, dried
allspice|||Spices, allspice, ground
cloves||ground cloves|Spices, cloves, ground
mustard||dijon mustard,yellow mustard,dry mustard,whole grain mustard|Mustard, prepared, yellow
ketchup|||Catsup
mayonnaise||mayo|Salad dressing, mayonnaise, regular
soy sauce|G|low-sodium soy sauce,tamari,shoyu|Soy sauce made from soy and wheat (shoyu)
vinegar||white vinegar,apple cider vinegar,cider vinegar,red wine vinegar,white wine vinegar,rice vinegar,balsamic vinegar|Vinegar, cider
hot sauce||hot pepper sauce,tabasco,sriracha|Sauce, ready-to-serve, pepper or hot
barbecue sauce||bbq sauce|Sauce, barbecue
salsa|||Sauce, salsa, ready-to-serve
maple syrup||pure maple syrup|Syrups, maple
corn syrup||light corn syrup|Syrups, corn, light
molasses|||Molasses
jam||jelly,preserves,apricot preserves,marmalade,orange marmalade|Jams and preserves
peanut butter|N|creamy peanut butter|Peanut butter, smooth style, without salt
sesame oil||toasted sesame oil|Oil, sesame, salad or cooking
sesame seeds|||Seeds, sesame seeds, whole, dried
almonds|N|sliced almonds,slivered almonds,almond|Nuts, almonds
walnuts|N|chopped walnuts,walnut|Nuts, walnuts, english
pecans|N|chopped pecans,pecan halves,pecan|Nuts, pecans
peanuts|N|roasted peanuts|Peanuts, all types, raw
cashews|N|cashew|Nuts, cashew nuts, raw
pine nuts|N|pignoli|Nuts, pine nuts, dried
pistachios|N|pistachio|Nuts, pistachio nuts, raw
hazelnuts|N|hazelnut|Nuts, hazelnuts or filberts
almond flour|N|almond meal|Nuts, almonds
almond milk|N||Beverages, almond milk, sweetened, vanilla flavor, ready-to-drink
rice||white rice,long-grain rice,long grain rice,basmati rice,jasmine rice,brown rice,arborio rice,cooked rice|Rice, white, long-grain, regular, raw, enriched
pasta|G|spaghetti,penne,penne pasta,macaroni,elbow macaroni,linguine,fettuccine,noodles,egg noodles,lasagna noodles,rotini|Spaghetti, dry, enriched
bread|G|white bread,french bread,sandwich bread,baguette,bread slices,sourdough bread,italian bread|Bread, white, commercially prepared (includes soft bread crumbs)
bread crumbs|G|breadcrumbs,dry bread crumbs,panko,panko bread crumbs|Bread, white, commercially prepared
tortillas|G|flour tortillas,tortilla|Tortillas, ready-to-bake or -fry, flour, refrigerated
corn tortillas|||Tortillas, ready-to-bake or -fry, corn
pizza dough|G|pizza crust|Bread, white, commercially prepared
pie crust|G|pastry,puff pastry,pie shell,unbaked pie crust|Pie crust, standard-type, frozen, ready-to-bake, enriched
crackers|G|graham crackers,graham cracker crumbs,saltine crackers|Crackers, standard snack-type, regular
oats|G|rolled oats,old-fashioned oats,quick oats,oatmeal|Cereals, oats, regular and quick, not fortified, dry
cornmeal|||Cornmeal, whole-grain, yellow
quinoa|||Quinoa, uncooked
couscous|G||Couscous, dry
barley|G|pearl barley|Barley, pearled, raw
lentils||red lentils,green lentils|Lentils, raw
black beans||canned black beans|Beans, black, mature seeds, canned, low sodium
kidney beans||red kidney beans|Beans, kidney, red, mature seeds, canned, solids and liquids
chickpeas||garbanzo beans,garbanzos|Chickpeas (garbanzo beans, bengal gram), mature seeds, canned, solids and liquids
white beans||cannellini beans,great northern beans,navy beans|Beans, white, mature seeds, canned
pinto beans||refried beans|Beans, pinto, mature seeds, canned, solids and liquids
tofu||firm tofu,extra-firm tofu|Tofu, raw, firm, prepared with calcium sulfate
chocolate chips|D|semisweet chocolate chips,semi-sweet chocolate chips,chocolate chunks|Candies, semisweet chocolate
chocolate||dark chocolate,bittersweet chocolate,semisweet chocolate,unsweetened chocolate,baking chocolate|Chocolate, dark, 60-69% cacao solids
cocoa powder||unsweetened cocoa powder,cocoa,unsweetened cocoa|Cocoa, dry powder, unsweetened
white wine||dry white wine,chardonnay,sauvignon blanc,champagne,sparkling wine,prosecco|Alcoholic beverage, wine, table, white
red wine||dry red wine|Alcoholic beverage, wine, table, red
beer||lager|Alcoholic beverage, beer, regular, all
cream of mushroom soup||condensed cream of mushroom soup|Soup, cream of mushroom, canned, condensed
cream of chicken soup|M|condensed cream of chicken soup|Soup, cream of chicken, canned, condensed
liqueur||irish cream liqueur,coffee liqueur,orange liqueur,amaretto,kahlua,triple sec,grand marnier,cointreau|
blackberries||blackberry|Blackberries, raw
water chestnuts|||Waterchestnuts, chinese, canned, solids and liquids
cake mix|G|yellow cake mix,white cake mix,chocolate cake mix|
pie filling||cherry pie filling,apple pie filling,lemon pie filling|
vanilla bean||vanilla beans,vanilla pod|
coriander||coriander seeds,coriander seed,ground coriander|Spices, coriander seed
saffron||saffron threads|Spices, saffron
food coloring||red food coloring,green food coloring|
pumpkin pie spice|||Spices, pumpkin pie spice
spirits||rum,light rum,dark rum,vodka,gin,tequila,bourbon,whiskey,brandy,cognac|Alcoholic beverage, distilled, all (gin, rum, vodka, whiskey) 80 proof
ice cream cone|G|sugar cones,sugar cone,waffle cones,ice cream cones|
parsnip||parsnips|Parsnips, raw
curry paste||red curry paste,green curry paste,thai curry paste,red thai curry paste|
wasabi||wasabi powder,wasabi paste|
turkey broth|M|turkey stock|Soup, chicken broth, ready-to-serve
"""

# Hand-checked FoodKeeper links where name/keyword matching picks the wrong product (0 = no product fits).
FK_HINTS = {
    "black pepper": 469,
    "ice": 0,
    "sugar": 240,
    "brown sugar": 239,
    "powdered sugar": 241,
    "corn": 282,
    "rice": 338,
    "hazelnuts": 0,
    "chocolate chips": 216,
    "black beans": 372,
    "kidney beans": 372,
    "chickpeas": 372,
    "white beans": 372,
    "pinto beans": 372,
    "feta": 7,
    "goat cheese": 7,
    "mozzarella": 7,
    "parmesan": 4,
    "swiss cheese": 3,
    "monterey jack": 3,
    "provolone": 3,
    "blue cheese": 7,
    "cheese": 3,
    "chicken breast": 117,
    "chicken thigh": 118,
    "chicken wings": 118,
    "ground beef": 43,
    "egg white": 22,
    "egg yolk": 22,
    "green onion": 295,
    "bell pepper": 296,
    "chile pepper": 548,
    "sweet potato": 422,
    "white fish": 144,
    "green beans": 273,
    "peas": 273,
    "maple syrup": 398,
    "corn tortillas": 553,
    "olive oil": 227,
    "cooking spray": 227,
    "paprika": 238,
    "cayenne pepper": 238,
    "red pepper flakes": 238,
    "curry powder": 238,
    "allspice": 238,
    "cloves": 238,
    "italian seasoning": 236,
    "bay leaf": 236,
    "sage": 236,
    "dill": 288,
    "parsnip": 279,
    "shallot": 294,
    "carrot": 279,
    "garlic": 285,
    "ground pork": 73,
}
FK_UNITS = {"Days": 1.0, "Weeks": 7.0, "Months": 30.0, "Years": 365.0, "Year": 365.0, "Hours": 1.0 / 24.0}
FK_MEAT_CATEGORIES = {"Meat", "Poultry"}


def _unquote(field: str) -> str:
    return field.strip().strip("~")


def _read_caret(path: Path) -> list[list[str]]:
    with path.open(encoding="latin-1") as fh:
        return [[_unquote(f) for f in line.rstrip("\r\n").split("^")] for line in fh if line.strip()]


def _fk_rows(shared: Path) -> tuple[list[dict[str, object]], dict[int, tuple[str, str | None]]]:
    raw = json.loads((shared / "foodkeeper" / "foodkeeper.json").read_text(encoding="utf-8"))
    sheets = {
        s["name"]: [{k: v for cell in row for k, v in cell.items()} for row in s["data"]]
        for s in raw["sheets"]
    }
    categories = {int(c["ID"]): (c["Category_Name"], c["Subcategory_Name"]) for c in sheets["Category"]}
    return sheets["Product"], categories


def _fk_span(row: dict[str, object], prefix: str) -> dict[str, object] | None:
    """One FoodKeeper (min, max, metric) triple as days, or a note for the non-numeric metrics."""
    metric = row.get(f"{prefix}_Metric")
    lo, hi = row.get(f"{prefix}_Min"), row.get(f"{prefix}_Max")
    if metric is None:
        return None
    if metric in FK_UNITS and isinstance(lo, (int, float)):
        factor = FK_UNITS[str(metric)]
        high = hi if isinstance(hi, (int, float)) else lo
        return {
            "min_days": round(lo * factor, 2),
            "max_days": round(high * factor, 2),
            "text": f"{lo}-{high} {metric}",
        }
    return {"min_days": None, "max_days": None, "text": str(metric)}


def build_foodkeeper(shared: Path) -> list[dict[str, object]]:
    products, categories = _fk_rows(shared)
    out = []
    places = {
        "pantry": (("DOP_Pantry", "Pantry"), ("Pantry_After_Opening",)),
        "fridge": (("DOP_Refrigerate", "Refrigerate"), ("Refrigerate_After_Opening",)),
        "freezer": (("DOP_Freeze", "Freeze"), ()),
    }
    for row in products:
        cat, sub = categories.get(int(row["Category_ID"]), ("", None))  # type: ignore[arg-type]
        entry: dict[str, object] = {
            "id": row["ID"],
            "name": str(row["Name"]).strip(),
            "subtitle": (str(row["Name_subtitle"]).strip() if row["Name_subtitle"] else None),
            "keywords": sorted(
                {k.strip().lower() for k in str(row["Keywords"] or "").split(",") if k.strip()}
            ),
            "category": cat if not sub else f"{cat} / {sub}",
        }
        for place, (closed_keys, opened_keys) in places.items():
            closed = next((s for k in closed_keys if (s := _fk_span(row, k))), None)
            opened = next((s for k in opened_keys if (s := _fk_span(row, k))), None)
            entry[place] = closed
            entry[f"{place}_opened"] = opened
        out.append(entry)
    return out


NUTRIENT_COLUMNS = {
    "kcal": 3,
    "protein_g": 4,
    "fat_g": 5,
    "carbs_g": 7,
    "fiber_g": 8,
    "sugar_g": 9,
    "sodium_mg": 15,
}


def build_sr26(shared: Path) -> dict[str, object]:
    sr = shared / "usda-sr26"
    names = {r[0]: (r[1], r[2]) for r in _read_caret(sr / "FOOD_DES.txt")}
    foods: dict[str, object] = {}
    for r in _read_caret(sr / "ABBREV.txt"):
        values = {}
        for key, col in NUTRIENT_COLUMNS.items():
            values[key] = float(r[col]) if r[col] else None
        group, desc = names.get(r[0], ("", r[1]))
        foods[r[0]] = {"desc": desc, "group": group, **values}
    weights: dict[str, list[list[object]]] = {}
    for r in _read_caret(sr / "WEIGHT.txt"):
        weights.setdefault(r[0], []).append([float(r[2]), r[3], float(r[4])])
    return {"foods": foods, "weights": weights}


def build_vocabulary(
    shared: Path, fk: list[dict[str, object]], sr26: dict[str, object]
) -> list[dict[str, object]]:
    foods = sr26["foods"]
    assert isinstance(foods, dict)
    by_desc = sorted(((str(v["desc"]).lower(), k) for k, v in foods.items()), key=lambda t: (t[0], t[1]))
    entries: dict[str, dict[str, object]] = {}
    for line in CORE.strip().splitlines():
        canonical, tags, aliases, sr_prefix = (part.strip() for part in line.split("|"))
        ndb = (
            next((k for desc, k in by_desc if desc.startswith(sr_prefix.lower())), None)
            if sr_prefix
            else None
        )
        if sr_prefix and ndb is None:
            print(f"warning: no SR26 food starts with {sr_prefix!r} (for {canonical})", file=sys.stderr)
        entries[canonical] = {
            "name": canonical,
            "aliases": sorted({a.strip().lower() for a in aliases.split(",") if a.strip()}),
            "tags": sorted(set(tags.replace("0", ""))),
            "ndb": ndb,
            "foodkeeper": None,
        }
    for name, pid in FK_HINTS.items():
        entries[name]["foodkeeper"] = pid or None
        entries[name]["fk_fixed"] = True
    alias_owner = {a: e["name"] for e in entries.values() for a in [e["name"], *e["aliases"]]}  # type: ignore[misc]
    for product in fk:
        name = str(product["name"]).lower()
        simple = re.fullmatch(r"[a-z][a-z '\-]+", name) is not None
        target = alias_owner.get(name) or alias_owner.get(name.rstrip("s"))
        if target is not None:
            entry = entries[str(target)]
            if entry["foodkeeper"] is None and not entry.get("fk_fixed"):
                entry["foodkeeper"] = product["id"]
        elif simple and name not in entries:
            category = str(product["category"])
            tags = ["M"] if category.split(" / ")[0] in FK_MEAT_CATEGORIES else []
            tags += ["F"] if category.startswith("Seafood") else []
            entries[name] = {
                "name": name,
                "aliases": [],
                "tags": tags,
                "ndb": None,
                "foodkeeper": product["id"],
            }
            alias_owner[name] = name
    # Second pass: FoodKeeper keyword matches for core entries that found no product by name.
    for entry in entries.values():
        if entry.pop("fk_fixed", False) or entry["foodkeeper"] is not None:
            continue
        for product in fk:
            keywords = product["keywords"]
            assert isinstance(keywords, list)
            if entry["name"] in keywords or str(entry["name"]).rstrip("s") in keywords:
                entry["foodkeeper"] = product["id"]
                break
    return sorted(entries.values(), key=lambda e: str(e["name"]))


def main() -> None:
    if len(sys.argv) > 1:
        shared = Path(sys.argv[1])
    else:
        sys.path.insert(0, str(ROOT / "src"))
        from localgenie.config import shared_data_dir

        found = shared_data_dir()
        if found is None:
            sys.exit("shared data not found: pass its path or set GENIE_SHARED_DATA")
        shared = found
    OUT.mkdir(parents=True, exist_ok=True)
    fk = build_foodkeeper(shared)
    (OUT / "foodkeeper.json").write_text(json.dumps(fk, sort_keys=True, separators=(",", ":")) + "\n")
    sr26 = build_sr26(shared)
    payload = json.dumps(sr26, sort_keys=True, separators=(",", ":")).encode()
    (OUT / "sr26.json.gz").write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    vocab = build_vocabulary(shared, fk, sr26)
    (OUT / "ingredients.json").write_text(json.dumps(vocab, sort_keys=True, indent=0) + "\n")
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
