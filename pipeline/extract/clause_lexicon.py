"""The clause reader's lexicon, as data: predicates whose subject is the model, failures
whose subject is a request to it, redirects, verbs that take it as their object, anaphors, and
the glue and auxiliary words that may stand between subjects and predicate.

A new phrasing is a line here and a grammar line in `tests/announcement_grammar.py`;
`clauses` reads sentences with these patterns and holds no word lists of its own.
"""

from __future__ import annotations

import re

# Predicates whose subject is the model: "X will not remain functional past D".
PREDICATE_PHRASES = (
    r"deprecat\w*",
    r"retir\w*",
    r"shuts?\s*(?:down|off)|shutting down",
    r"discontinu\w*",
    r"remov\w*",
    r"decommission\w*",
    r"sunset\w*",
    r"withdrawn|withdraw\w*",
    r"disabled?",
    r"turn(?:ed)? off",
    r"taken offline|go(?:es|ing)? offline",
    r"reach(?:es)? (?:its )?end[- ]of[- ](?:life|support)",
    r"end[- ]of[- ](?:life|support)",
    r"no longer (?:be )?(?:available|supported|accessible|served|functional|offered|usable)",
    r"no longer accept (?:new |API )?(?:requests|calls|traffic)",
    r"not (?:be )?(?:available|supported|accessible|served|usable) (?:after|from|beyond|past)",
    r"not remain (?:functional|available|accessible|supported)",
    # "stop accepting requests with the legacy header": a kind of request, not the model
    r"stop (?:working|responding|serving(?: requests)?|accepting (?:new |API )?(?:requests|calls|"
    r"traffic)(?!\s+(?:with|that|which|using|containing|without|carrying|over|through)\b)"
    r")|cease\w*(?: to (?:work|function))?",
    r"be unavailable|become unavailable",
    r"go(?:es)? away|going away|be phased out|phased out",
    r"scheduled for (?:retirement|deprecation|shutdown|removal|decommissioning)",
    # "Users of X have until D to switch to Y"
    r"ha(?:ve|s) until(?=(?:[^.;]|\.(?= ?\d)){0,40}?\bto (?:switch|migrate|move|upgrade|"
    r"transition)\b)",
    DATED_ONLY := r"return (?:an? )?(?:HTTP )?(?:4\d\d|5\d\d)\b|return (?:an? )?errors?|"
    r"(?:(?:remain|stay)s?\s+(?:available|accessible|online)|(?:keep|continue)s?\s+"
    r"(?:working|functioning|running|to work|to function|to run|to be served))\s+"
    r"(?=(?:until|through|till)\b)",
    r"(?:下线|停用|弃用|退役|停止服务|关停|下架|停服|淘汰|废弃|移除|提供を終了|廃止|サポート終了)",
    # "X の提供を D に終了": the date sits inside the predicate
    r"(?:提供|サービス|サポート)を(?=[^。]{0,30}?終了)",
)
# Predicates whose subject is a request to the model: "Requests to X will start to fail on D".
FAILURE_PHRASES = (
    r"(?:start|begin) to fail|(?:start|begin) failing|fail",
    r"return (?:an? )?(?:\d{3} )?errors?|return (?:an? )?(?:HTTP )?[45]\d\d\b",
    r"be rejected|stop working",
    REDIRECTED := r"be (?:automatically\s+|transparently\s+)?(?:re-?directed|re-?routed|routed|"
    r"forwarded)\s+to",
)
REQUEST_SUBJECT = re.compile(
    r"\b(?:(?:API\s+)?requests?|(?:API\s+)?calls?|traffic)\s+(?:made\s+)?(?:to|for|using|against)\s*$",
    re.IGNORECASE,
)
# Verbs that take the retired model as their object: "We are retiring X", "the shutdown of X".
TRANSITIVE_VERBS = (
    r"(?:are|is|will be|we're|we are)\s+(?:retiring|deprecating|sunsetting|discontinuing|"
    r"removing|decommissioning|shutting down|winding down|phasing out)",
    # a heading's bare gerund: "Retiring `x-1` on D"
    r"^\W*(?:retiring|deprecating|sunsetting|discontinuing|decommissioning|shutting down|"
    r"phasing out)",
    r"(?:will|'ll|’ll|plan to|are going to|to)\s+(?:retire|deprecate|sunset|discontinue|remove|"
    r"decommission|shut down|phase out)",
    r"(?:will|would|'ll|’ll|to)\s+(?:stop|cease)\s+(?:serving|offering|providing|supporting)",
    # "停止对 X 的服务支持", "停止提供 X"
    r"停止(?:对|對|为|為|提供|支持)",
    r"(?:the\s+)?(?:shutdown|retirement|deprecation|removal|decommissioning|sunset|"
    r"discontinuation|end of life)\s+(?:date\s+)?(?:of|for)",
    r"(?:retired|deprecated|discontinued|removed|sunset|decommissioned)\s+(?:the\s+)?",
    r"(?:the\s+)?last day (?:to use|of|for)",
    r"(?:support|access|availability) (?:for|to|of)",
    r"(?:no longer|not) be able to (?:call|use|access|select|query|invoke|reach)",
    MIGRATE_FROM := r"\b(?:migrat\w*|mov\w*) (?:away )?(?:off(?: of)?|from)|"
    r"\btransition\w* away from",
)
ANAPHOR = re.compile(
    r"^\s*(?:(?:it|they|these(?:\s+(?:models?|versions?|snapshots?|endpoints?))?|"
    r"this\s+(?:model|version|snapshot|endpoint)|both(?:\s+models)?|the\s+(?:former|latter))\b|"
    r"(?:该模型|这些模型|此模型|上述模型|该版本|これらのモデル|このモデル)(?:は|も|が)?)",
    re.IGNORECASE,
)
# What may stand between coordinated subjects, or between the last subject and the predicate.
GLUE_ATOMS = (
    r"[\s`*\"'“”「」『』]|,|\band\b|\bor\b|&|、|和|及び?|と|与|以及|\bboth\b|\bthe\b|\bmodels?\b|"
    r"\bversions?\b|\bsnapshots?\b|\bvariants?\b|\(\s*[^()]{0,40}\)|/"
)
AUXILIARY_ATOMS = (
    r"[\s`*\"'“”「」『』,)]|\bmodels?\b|\bversions?\b|\bsnapshots?\b|\bendpoints?\b|\bwhich\b|"
    r"'ll\b|’ll\b|\b(?:is|are|was|were|has|have|had|been|being|be|will|shall|would|now|also|officially|"
    r"permanently|soon|then|both|all|currently|scheduled|set|planned|going|to|start|begin|"
    r"expected|slated|fully)\b|将|于|已|会|の|は|が|を|に|也|均|都|在|被"
)
GLUE = re.compile(rf"^(?:{GLUE_ATOMS})*$", re.IGNORECASE)
# A subject that shares the fate the passage's last clause stated, on a date of its own:
# "`x-2` followed on April 1, along with `x-3`", "`y-1` will follow suit on D".
FOLLOWS = re.compile(
    r"\b(?:followed|follows|will follow|is to follow|are to follow)(?:\s+suit)?\b(?!\s+by\b)",
    re.IGNORECASE,
)
ALONG_WITH = re.compile(r"\b(?:along|together)\s+with\s*[`*\"']*$", re.IGNORECASE)
AUXILIARY = re.compile(rf"^(?:{AUXILIARY_ATOMS})*$", re.IGNORECASE)
# The two atom sets overlap (both take a space): each step commits to its first alternative
# (atomic group, possessive loop), so a failing run costs its length, not 2^length.
AUXILIARY_OR_GLUE = re.compile(rf"^(?>{GLUE_ATOMS}|{AUXILIARY_ATOMS})*+$", re.IGNORECASE)
# Predicates that end a model only with a date: "X will return a 400 error if ..." describes
# a limit, "X remains available until further notice" nothing at all.
# "migrate from X to Y at your convenience" retires nothing either.
NEEDS_DATE = re.compile(DATED_ONLY, re.IGNORECASE)
NEEDS_DATE_BEFORE = re.compile(rf"(?:{MIGRATE_FROM})\W*$", re.IGNORECASE)
PREDICATE = re.compile("|".join(f"(?:{p})" for p in PREDICATE_PHRASES), re.IGNORECASE)
FAILURE = re.compile("|".join(f"(?:{p})" for p in FAILURE_PHRASES), re.IGNORECASE)
# "X will be redirected to Y on D": the model's subject form of a redirect. Read only when
# the sentence has no other predicate: "redirected on D1 and taken offline on D2" ends on D2.
REDIRECTED_TO = re.compile(REDIRECTED, re.IGNORECASE)
TRANSITIVE = re.compile(
    r"(?:" + "|".join(f"(?:{p})" for p in TRANSITIVE_VERBS) + r")"
    r"(?:\s+|(?<=[\u3040-\u30ff\u4e00-\u9fff]))(?:(?:its|the|our|their|"
    r"both|all|of)\s+)*[`*\"'“”]*$",
    re.IGNORECASE,
)
