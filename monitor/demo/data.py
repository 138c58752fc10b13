"""Demo data for monitor: plain Python literals, no logic.

The seeding code (elsewhere) turns these literals into rows. Nothing here is real
except the public context it imitates:

* the two governing bodies and their plans (Iraq's National Human Rights Plan, launched
  on 6 May 2021 under the Ministry of Justice's human rights office, and the Kurdistan
  Regional Government's Human Rights Plan 2021-2025, run by the Office of the
  Coordinator for International Recommendations);
* the KRG's published plan-level implementation figures, 34.8% for 2022 and 42.8% for
  2023 (OFFICIAL_PROGRESS);
* the recommendations are written in the style of Iraq's third Universal Periodic Review
  cycle (session 34, report A/HRC/43/14, paragraph codes 139.x). They are illustrative
  paraphrases, not verbatim quotations, and the paragraph numbers, States and responses
  must not be cited as the UN record.

Every organisation, person, email address, registration number, date of a report and
every figure for the federal plan is FICTIONAL. Real organisations named in the
context texts are deliberately not used. All email addresses are @example.org.

Shapes (see each variable for details):

* BODIES, PLANS, PERIODS, FILES, RECOMMENDATIONS, ORGANIZATIONS, COORDINATORS,
  CONFIDENCE: lists of dicts.
* MONITORED_FILES: {org email: {plan slug: {"monitor": [file keys],
  "decline": [file keys], "decline_reasons": {file key: reason}}}}.
* OFFICIAL_PROGRESS: list of dicts, one per (plan, period, level).
* EVALUATION_PATTERN: {"periods", "base", "offset", "no_information"}; the rule is
  explained in the comment above it.
* ASSESSMENT_SNIPPETS: {score or "no_information": [{"ar", "ckb", "en"}, ...]}.

Language conventions follow translations/GLOSSARY.md: Modern Standard Arabic as used by
Iraqi ministries, Sorani (Central Kurdish) in Arabic script, Latin digits everywhere.
"""
from __future__ import annotations

# --- Governing bodies ----------------------------------------------------------------

BODIES = [
    {
        "slug": "moj-hr",
        "name_ar": "وزارة العدل الاتحادية – مكتب حقوق الإنسان",
        "name_ckb": "وەزارەتی دادی فیدراڵ – نووسینگەی مافەکانی مرۆڤ",
        "name_en": "Federal Ministry of Justice – Human Rights Office",
        "contact_email": "moj-hr@example.org",
    },
    {
        "slug": "krg-coordinator",
        "name_ar": "حكومة إقليم كوردستان – مكتب منسق التوصيات الدولية",
        "name_ckb": "حکومەتی هەرێمی کوردستان – نووسینگەی ڕێکخەری ڕاسپاردە نێودەوڵەتییەکان",
        "name_en": (
            "Kurdistan Regional Government – Office of the Coordinator for "
            "International Recommendations"
        ),
        "contact_email": "krg-coordinator@example.org",
    },
]

# --- Plans ---------------------------------------------------------------------------

PLANS = [
    {
        "slug": "iraq-nhrp-2021-2025",
        "body": "moj-hr",
        "title_ar": "الخطة الوطنية لحقوق الإنسان (2021-2025)",
        "title_ckb": "پلانی نیشتمانیی مافەکانی مرۆڤ (2021-2025)",
        "title_en": "National Human Rights Plan (2021-2025)",
        "description_ar": (
            "أُطلقت الخطة الوطنية لحقوق الإنسان في 6 أيار 2021 بإشراف وزارة العدل "
            "وبالشراكة مع حكومة إقليم كوردستان والمجتمع المدني، لتنفيذ التوصيات التي "
            "تلقّاها العراق في الاستعراض الدوري الشامل. ولكل منظمة غير حكومية حرية "
            "اختيار ملفات التوصيات التي ترغب في مراقبتها وتقييمها، أو الاعتذار عن "
            "المشاركة، دون قيد أو شرط."
        ),
        "description_ckb": (
            "پلانی نیشتمانیی مافەکانی مرۆڤ لە 6ی ئایاری 2021 بە سەرپەرشتیی وەزارەتی داد "
            "و بە هاوبەشی لەگەڵ حکومەتی هەرێمی کوردستان و کۆمەڵگەی مەدەنی ڕاگەیەنرا، بۆ "
            "جێبەجێکردنی ئەو ڕاسپاردانەی عێراق لە پێداچوونەوەی خولیی گشتگیردا "
            "وەریگرتوون. هەر ڕێکخراوێکی ناحکومی ئازادە، بەبێ هیچ مەرج و کۆتێک، ئەو "
            "دۆسیانە هەڵبژێرێت کە دەیەوێت چاودێری و هەڵسەنگاندنیان بکات، یان بەشداری "
            "نەکات."
        ),
        "description_en": (
            "The National Human Rights Plan was launched on 6 May 2021 under the Ministry "
            "of Justice, in partnership with the Kurdistan Regional Government and civil "
            "society, to implement the recommendations Iraq received in the Universal "
            "Periodic Review. Every NGO is free to choose the recommendation files it "
            "wishes to monitor and evaluate, or to decline, without condition."
        ),
        "starts_on": "2021-05-06",
        "ends_on": "2025-12-31",
        "status": "open",
    },
    {
        "slug": "krg-hrp-2021-2025",
        "body": "krg-coordinator",
        "title_ar": "خطة حكومة إقليم كوردستان لحقوق الإنسان (2021-2025)",
        "title_ckb": "پلانی حکومەتی هەرێمی کوردستان بۆ مافەکانی مرۆڤ (2021-2025)",
        "title_en": "Kurdistan Regional Government Human Rights Plan (2021-2025)",
        "description_ar": (
            "أعدّ مكتب منسق التوصيات الدولية خطة حكومة إقليم كوردستان لحقوق الإنسان "
            "(2021-2025) بمشاركة وزارات الإقليم ووكالات الأمم المتحدة ومنظمات المجتمع "
            "المدني. ويُصدر المكتب تقارير سنوية عن تنفيذ الخطة، فيما تقيّم المنظمات غير "
            "الحكومية التوصيات ذاتها تقييماً مستقلاً لتتسنى المقارنة بين الصورتين."
        ),
        "description_ckb": (
            "نووسینگەی ڕێکخەری ڕاسپاردە نێودەوڵەتییەکان پلانی حکومەتی هەرێمی کوردستان "
            "بۆ مافەکانی مرۆڤ (2021-2025)ی بە بەشداریی وەزارەتەکانی هەرێم و ئاژانسەکانی "
            "نەتەوە یەکگرتووەکان و ڕێکخراوەکانی کۆمەڵگەی مەدەنی ئامادە کردووە. "
            "نووسینگەکە ساڵانە ڕاپۆرتی جێبەجێکردنی پلانەکە بڵاو دەکاتەوە، و ڕێکخراوە "
            "ناحکومییەکانیش هەمان ڕاسپاردەکان بە شێوەیەکی سەربەخۆ هەڵدەسەنگێنن بۆ "
            "ئەوەی بەراوردی نێوان هەردوو وێنەکە بکرێت."
        ),
        "description_en": (
            "The Kurdistan Regional Government's Human Rights Plan 2021-2025 was prepared "
            "by the Office of the Coordinator for International Recommendations with the "
            "Region's ministries, United Nations agencies and civil society organisations. "
            "The Office publishes annual implementation reports, and NGOs evaluate the "
            "same recommendations independently so that the two pictures can be compared."
        ),
        "starts_on": "2021-01-01",
        "ends_on": "2025-12-31",
        "status": "open",
    },
]

# --- Reporting periods (the same three periods are created in each plan) --------------
# Deadlines are naive UTC: 20:59 UTC is 23:59 in Baghdad (UTC+3, no daylight saving).

PERIODS = [
    {
        "label": "2022",
        "starts_on": "2022-01-01",
        "ends_on": "2022-12-31",
        "deadline": "2023-03-31T20:59:00",
        "status": "closed",
    },
    {
        "label": "2023",
        "starts_on": "2023-01-01",
        "ends_on": "2023-12-31",
        "deadline": "2024-03-31T20:59:00",
        "status": "closed",
    },
    {
        "label": "2024",
        "starts_on": "2024-01-01",
        "ends_on": "2024-12-31",
        "deadline": "2025-03-31T20:59:00",
        "status": "open",
    },
]

# --- Recommendation files (the same six files are created in each plan) ---------------

FILES = [
    {
        "key": "women",
        "position": 1,
        "title_ar": "حقوق المرأة والعنف القائم على النوع الاجتماعي",
        "title_ckb": "مافەکانی ئافرەتان و توندوتیژیی لەسەر بنەمای جێندەر",
        "title_en": "Women's rights and gender-based violence",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بالحماية القانونية من العنف الأسري والعنف "
            "القائم على النوع الاجتماعي، وخدمات دعم الناجيات، ومشاركة المرأة في الحياة "
            "العامة."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە پاراستنی یاسایی لە "
            "توندوتیژیی خێزانی و توندوتیژیی لەسەر بنەمای جێندەر، خزمەتگوزارییەکانی "
            "پشتیوانیی ڕزگاربووان و بەشداریی ئافرەتان لە ژیانی گشتیدا هەیە."
        ),
        "description_en": (
            "This file covers legal protection from domestic and gender-based violence, "
            "support services for survivors and women's participation in public life."
        ),
    },
    {
        "key": "expression",
        "position": 2,
        "title_ar": "حرية التعبير وحماية الصحفيين",
        "title_ckb": "ئازادیی ڕادەربڕین و پاراستنی ڕۆژنامەنووسان",
        "title_en": "Freedom of expression and protection of journalists",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بسلامة الصحفيين، وتشريعات حرية التعبير "
            "والتجمع، والتشهير، وحماية المدافعين عن حقوق الإنسان."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە سەلامەتیی "
            "ڕۆژنامەنووسان، یاساکانی ئازادیی ڕادەربڕین و کۆبوونەوە، ناوزڕاندن و پاراستنی "
            "بەرگریکارانی مافەکانی مرۆڤەوە هەیە."
        ),
        "description_en": (
            "This file covers the safety of journalists, laws on expression and assembly, "
            "defamation and the protection of human rights defenders."
        ),
    },
    {
        "key": "detention",
        "position": 3,
        "title_ar": "الاحتجاز ومنع التعذيب والمحاكمة العادلة",
        "title_ckb": "دەستبەسەرکردن، ڕێگریکردن لە ئەشکەنجە و دادگاییکردنی دادپەروەرانە",
        "title_en": "Detention, torture prevention and fair trial",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بضمانات الاحتجاز وظروفه، ومنع التعذيب "
            "والتحقيق فيه، وعقوبة الإعدام، وضمانات المحاكمة العادلة."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە گەرەنتی و "
            "بارودۆخی دەستبەسەرکردن، ڕێگریکردن لە ئەشکەنجە و لێکۆڵینەوە لێی، سزای "
            "لەسێدارەدان و گەرەنتییەکانی دادگاییکردنی دادپەروەرانەوە هەیە."
        ),
        "description_en": (
            "This file covers safeguards and conditions in detention, the prevention and "
            "investigation of torture, the death penalty and fair-trial guarantees."
        ),
    },
    {
        "key": "minorities",
        "position": 4,
        "title_ar": "حقوق الأقليات",
        "title_ckb": "مافەکانی پێکهاتە ئایینی و نەتەوەییەکان",
        "title_en": "Rights of minorities",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بحماية الإيزيديين والمسيحيين والتركمان "
            "والشبك والكاكائيين وسائر المكونات، وتمثيلهم، واسترداد ممتلكاتهم، وعودتهم "
            "الآمنة."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە پاراستن و "
            "نوێنەرایەتی و گەڕاندنەوەی موڵک و گەڕانەوەی سەلامەتی ئێزیدی و مەسیحی و "
            "تورکمان و شەبەک و کاکەیی و پێکهاتەکانی ترەوە هەیە."
        ),
        "description_en": (
            "This file covers the protection, representation, property and safe return of "
            "Yazidis, Christians, Turkmen, Shabak, Kaka'i and other communities."
        ),
    },
    {
        "key": "children",
        "position": 5,
        "title_ar": "حقوق الطفل",
        "title_ckb": "مافەکانی منداڵ",
        "title_en": "Rights of the child",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بزواج الأطفال، وتسجيل المواليد، والعقوبة "
            "البدنية، وقضاء الأحداث، وتشريعات حماية الطفل، والحق في التعليم."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە هاوسەرگیریی "
            "منداڵان، تۆمارکردنی لەدایکبوون، سزای جەستەیی، دادی هەرزەکاران، یاساکانی "
            "پاراستنی منداڵ و مافی خوێندنەوە هەیە."
        ),
        "description_en": (
            "This file covers child marriage, birth registration, corporal punishment, "
            "juvenile justice, child protection legislation and access to education."
        ),
    },
    {
        "key": "displacement",
        "position": 6,
        "title_ar": "النازحون والعائدون",
        "title_ckb": "ئاوارەکان و گەڕاوەکان",
        "title_en": "Displaced persons and returnees",
        "description_ar": (
            "يضم هذا الملف التوصيات المتعلقة بالعودة الآمنة والطوعية للنازحين، والوثائق "
            "المدنية، والتعويض وإعادة الإعمار، والحلول الدائمة."
        ),
        "description_ckb": (
            "ئەم دۆسیەیە ئەو ڕاسپاردانە لەخۆ دەگرێت کە پەیوەندییان بە گەڕانەوەی سەلامەت "
            "و خۆبەخشانەی ئاوارەکان، بەڵگەنامە شارستانییەکان، قەرەبووکردنەوە و "
            "ئاوەدانکردنەوە و چارەسەری هەمیشەییەوە هەیە."
        ),
        "description_en": (
            "This file covers the safe and voluntary return of displaced persons, civil "
            "documentation, compensation and reconstruction, and durable solutions."
        ),
    },
]

# --- Recommendations (the same set is adopted in each plan) ---------------------------
# Illustrative, in the style of Iraq's third UPR cycle (A/HRC/43/14); not the UN record.
# text_ckb is deliberately "" for exactly four recommendations (139.27.1, 139.44,
# 139.143, 139.166) so that the interface shows its visible fallback marker.

RECOMMENDATIONS = [
    # Women's rights and gender-based violence
    {
        "code": "139.35",
        "file": "women",
        "text_en": (
            "Adopt without delay a comprehensive law on protection from domestic "
            "violence, in line with international standards."
        ),
        "text_ar": (
            "اعتماد قانون شامل للحماية من العنف الأسري دون إبطاء، بما يتوافق مع "
            "المعايير الدولية."
        ),
        "text_ckb": (
            "بەبێ دواخستن یاسایەکی گشتگیر بۆ پاراستن لە توندوتیژیی خێزانی، بەگوێرەی "
            "پێوەرە نێودەوڵەتییەکان، پەسەند بکرێت."
        ),
        "recommending_state": "Sweden",
        "response": "supported",
        "themes": ["Women's rights"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.36",
        "file": "women",
        "text_en": (
            "Repeal article 41 of the Penal Code, which permits a husband to "
            "\"discipline\" his wife, and the provisions that reduce sentences for "
            "so-called honour crimes."
        ),
        "text_ar": (
            "إلغاء المادة 41 من قانون العقوبات التي تبيح للزوج «تأديب» زوجته، والأحكام "
            "التي تخفف العقوبة في ما يسمى بجرائم الشرف."
        ),
        "text_ckb": (
            "مادەی 41ی یاسای سزادان هەڵبوەشێنرێتەوە کە ڕێگە بە مێرد دەدات ژنەکەی "
            "«تەمبێ» بکات، هەروەها ئەو بڕگانەش کە سزای ئەو تاوانانە سووک دەکەن کە بە "
            "پاساوی شەرەف ئەنجام دەدرێن."
        ),
        "recommending_state": "Belgium",
        "response": "noted",
        "themes": ["Women's rights", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.38",
        "file": "women",
        "text_en": (
            "Strengthen shelters and support services for survivors of gender-based "
            "violence throughout the country, including in the Kurdistan Region."
        ),
        "text_ar": (
            "تعزيز دور الإيواء وخدمات الدعم المقدمة للناجيات من العنف القائم على النوع "
            "الاجتماعي في جميع أنحاء البلاد، بما في ذلك إقليم كوردستان."
        ),
        "text_ckb": (
            "خانەکانی حەوانەوە و خزمەتگوزارییەکانی پشتیوانی بۆ ڕزگاربووانی توندوتیژیی "
            "لەسەر بنەمای جێندەر لە سەرانسەری وڵات، لەوانەش لە هەرێمی کوردستان، بەهێز "
            "بکرێن."
        ),
        "recommending_state": "Australia",
        "response": "supported",
        "themes": ["Women's rights"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.40",
        "file": "women",
        "text_en": (
            "Adopt measures, including temporary special measures, to increase women's "
            "participation in political and public life and in decision-making positions."
        ),
        "text_ar": (
            "اتخاذ تدابير، منها تدابير خاصة مؤقتة، لزيادة مشاركة المرأة في الحياة "
            "السياسية والعامة وفي مواقع صنع القرار."
        ),
        "text_ckb": (
            "ڕێوشوێن بگیرێنە بەر، لەوانەش ڕێوشوێنی تایبەتی کاتی، بۆ زیادکردنی بەشداریی "
            "ئافرەتان لە ژیانی سیاسی و گشتی و لە پۆستەکانی بڕیارداندا."
        ),
        "recommending_state": "Tunisia",
        "response": "supported",
        "themes": ["Women's rights"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.42",
        "file": "women",
        "text_en": (
            "Provide reparation, health care and psychosocial support to survivors of "
            "conflict-related sexual violence, in particular Yazidi women and girls."
        ),
        "text_ar": (
            "توفير جبر الضرر والرعاية الصحية والدعم النفسي والاجتماعي للناجيات من العنف "
            "الجنسي المرتبط بالنزاع، ولا سيما النساء والفتيات الإيزيديات."
        ),
        "text_ckb": (
            "قەرەبووکردنەوە و چاودێریی تەندروستی و پشتیوانیی دەروونی و کۆمەڵایەتی بۆ "
            "ڕزگاربووانی توندوتیژیی سێکسیی پەیوەست بە ململانێوە دابین بکرێت، بە تایبەتی "
            "ئافرەتان و کچانی ئێزیدی."
        ),
        "recommending_state": "Italy",
        "response": "supported",
        "themes": ["Women's rights", "Minorities"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.44",
        "file": "women",
        "text_en": (
            "Criminalize marital rape and repeal the provisions that allow a perpetrator "
            "of rape to escape punishment by marrying the victim."
        ),
        "text_ar": (
            "تجريم الاغتصاب الزوجي وإلغاء الأحكام التي تتيح لمرتكب جريمة الاغتصاب "
            "الإفلات من العقاب بالزواج من الضحية."
        ),
        "text_ckb": "",
        "recommending_state": "Iceland",
        "response": "noted",
        "themes": ["Women's rights", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    # Freedom of expression and protection of journalists
    {
        "code": "139.70",
        "file": "expression",
        "text_en": (
            "Ensure a safe and enabling environment for journalists and media workers "
            "and investigate all attacks against them."
        ),
        "text_ar": (
            "ضمان بيئة آمنة ومواتية للصحفيين والعاملين في وسائل الإعلام، والتحقيق في "
            "جميع الاعتداءات التي يتعرضون لها."
        ),
        "text_ckb": (
            "ژینگەیەکی سەلامەت و گونجاو بۆ ڕۆژنامەنووسان و کارمەندانی ڕاگەیاندن دابین "
            "بکرێت و لە هەموو ئەو هێرشانەی دەکرێنە سەریان لێکۆڵینەوە بکرێت."
        ),
        "recommending_state": "Austria",
        "response": "supported",
        "themes": ["Freedom of expression"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.71",
        "file": "expression",
        "text_en": (
            "Revise the draft law on freedom of expression, assembly and peaceful "
            "demonstration to bring it into line with article 19 of the International "
            "Covenant on Civil and Political Rights."
        ),
        "text_ar": (
            "مراجعة مشروع قانون حرية التعبير عن الرأي والاجتماع والتظاهر السلمي لجعله "
            "متوافقاً مع المادة 19 من العهد الدولي الخاص بالحقوق المدنية والسياسية."
        ),
        "text_ckb": (
            "پێداچوونەوە بە پڕۆژەیاسای ئازادیی ڕادەربڕین و کۆبوونەوە و خۆپیشاندانی "
            "ئاشتیانەدا بکرێت بۆ ئەوەی لەگەڵ مادەی 19ی پەیماننامەی نێودەوڵەتیی مافە "
            "مەدەنی و سیاسییەکاندا بگونجێت."
        ),
        "recommending_state": "Czechia",
        "response": "supported",
        "themes": ["Freedom of expression"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.72",
        "file": "expression",
        "text_en": (
            "Decriminalize defamation and stop using Penal Code provisions to prosecute "
            "journalists and bloggers for their work."
        ),
        "text_ar": (
            "إلغاء تجريم التشهير والكف عن استخدام أحكام قانون العقوبات لملاحقة "
            "الصحفيين والمدونين بسبب عملهم."
        ),
        "text_ckb": (
            "سزای تاوانکاری بۆ ناوزڕاندن لاببرێت و بەکارهێنانی بڕگەکانی یاسای سزادان بۆ "
            "ڕاپێچکردنی ڕۆژنامەنووسان و بلۆگەران بۆ دادگا بەهۆی کارەکەیانەوە ڕابگیرێت."
        ),
        "recommending_state": "Estonia",
        "response": "noted",
        "themes": ["Freedom of expression", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.74",
        "file": "expression",
        "text_en": (
            "Investigate the killings, abductions and intimidation of protesters, "
            "activists and journalists and hold those responsible to account."
        ),
        "text_ar": (
            "التحقيق في عمليات قتل المتظاهرين والناشطين والصحفيين واختطافهم وترهيبهم، "
            "ومحاسبة المسؤولين عنها."
        ),
        "text_ckb": (
            "لە کوشتن و ڕفاندن و ترساندنی خۆپیشاندەران و چالاکوانان و ڕۆژنامەنووسان "
            "لێکۆڵینەوە بکرێت و لێپرسینەوە لە بەرپرسانی ئەو کارانە بکرێت."
        ),
        "recommending_state": "Canada; Norway",
        "response": "supported",
        "themes": ["Freedom of expression", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.75",
        "file": "expression",
        "text_en": (
            "Protect human rights defenders and civil society organizations and ensure "
            "that they can work without harassment or undue restrictions."
        ),
        "text_ar": (
            "حماية المدافعين عن حقوق الإنسان ومنظمات المجتمع المدني، وضمان قدرتهم على "
            "العمل دون مضايقة أو قيود لا مسوّغ لها."
        ),
        "text_ckb": (
            "بەرگریکارانی مافەکانی مرۆڤ و ڕێکخراوەکانی کۆمەڵگەی مەدەنی بپارێزرێن و "
            "دڵنیایی بدرێت کە بەبێ هەراسانکردن یان کۆتوبەندی نابەجێ کار دەکەن."
        ),
        "recommending_state": "Ireland",
        "response": "supported",
        "themes": ["Human rights defenders", "Freedom of expression"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.76",
        "file": "expression",
        "text_en": (
            "Refrain from shutting down the internet or blocking social media, and ensure "
            "that any restriction on online expression is lawful, necessary and "
            "proportionate."
        ),
        "text_ar": (
            "الامتناع عن قطع الإنترنت أو حجب مواقع التواصل الاجتماعي، وضمان أن يكون أي "
            "تقييد لحرية التعبير على الإنترنت قانونياً وضرورياً ومتناسباً."
        ),
        "text_ckb": (
            "خۆ لە بڕینی ئینتەرنێت و بلۆککردنی تۆڕە کۆمەڵایەتییەکان بپارێزرێت و دڵنیایی "
            "بدرێت کە هەر سنووردارکردنێکی ئازادیی ڕادەربڕین لە ئینتەرنێتدا یاسایی و "
            "پێویست و گونجاو لەگەڵ ئامانجەکەی بێت."
        ),
        "recommending_state": "Latvia",
        "response": "supported",
        "themes": ["Freedom of expression"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    # Detention, torture prevention and fair trial
    {
        "code": "139.12",
        "file": "detention",
        "text_en": (
            "Ratify the Optional Protocol to the Convention against Torture and establish "
            "an independent national preventive mechanism."
        ),
        "text_ar": (
            "التصديق على البروتوكول الاختياري لاتفاقية مناهضة التعذيب، وإنشاء آلية "
            "وقائية وطنية مستقلة."
        ),
        "text_ckb": (
            "پرۆتۆکۆڵی هەڵبژاردەیی ڕێککەوتننامەی دژە ئەشکەنجە پەسەند بکرێت و "
            "میکانیزمێکی نیشتمانیی سەربەخۆ بۆ ڕێگریکردن لە ئەشکەنجە دابمەزرێت."
        ),
        "recommending_state": "Denmark; Czechia",
        "response": "noted",
        "themes": ["Torture", "International instruments"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.27",
        "file": "detention",
        "text_en": (
            "Establish an official moratorium on executions with a view to abolishing "
            "the death penalty."
        ),
        "text_ar": (
            "فرض وقف اختياري رسمي لتنفيذ أحكام الإعدام بهدف إلغاء عقوبة الإعدام."
        ),
        "text_ckb": (
            "ڕاگرتنی فەرمیی جێبەجێکردنی سزای لەسێدارەدان ڕابگەیەنرێت، بە ئامانجی "
            "هەڵوەشاندنەوەی سزای مردن."
        ),
        "recommending_state": "France",
        "response": "noted",
        "themes": ["Death penalty"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.27.1",
        "file": "detention",
        "text_en": (
            "Ensure that all persons facing the death penalty, including under the "
            "Anti-Terrorism Law, benefit from full fair-trial guarantees and the right "
            "to seek pardon or commutation of the sentence."
        ),
        "text_ar": (
            "ضمان تمتع جميع الأشخاص المعرّضين لعقوبة الإعدام، بمن فيهم المحكومون بموجب "
            "قانون مكافحة الإرهاب، بكامل ضمانات المحاكمة العادلة وبالحق في التماس العفو "
            "أو تخفيف العقوبة."
        ),
        "text_ckb": "",
        "recommending_state": "Switzerland",
        "response": "supported",
        "themes": ["Death penalty", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.58",
        "file": "detention",
        "text_en": (
            "Adopt the draft law against torture and ensure that confessions obtained "
            "under torture or duress are never admitted as evidence."
        ),
        "text_ar": (
            "اعتماد مشروع قانون مناهضة التعذيب، وضمان عدم قبول الاعترافات المنتزعة تحت "
            "التعذيب أو الإكراه دليلاً أمام المحاكم في أي حال من الأحوال."
        ),
        "text_ckb": (
            "پڕۆژەیاسای دژە ئەشکەنجە پەسەند بکرێت و دڵنیایی بدرێت کە ئەو دانپێنانانەی "
            "بە ئەشکەنجە یان زۆرلێکردن وەرگیراون، لە هیچ حاڵەتێکدا وەک بەڵگە لە دادگا "
            "وەرناگیرێن."
        ),
        "recommending_state": "Germany",
        "response": "supported",
        "themes": ["Torture", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.61",
        "file": "detention",
        "text_en": (
            "Investigate promptly and impartially all allegations of torture and "
            "ill-treatment in places of detention and bring those responsible to justice."
        ),
        "text_ar": (
            "التحقيق الفوري والنزيه في جميع ادعاءات التعذيب وسوء المعاملة في أماكن "
            "الاحتجاز، وتقديم المسؤولين عنها إلى العدالة."
        ),
        "text_ckb": (
            "بە خێرایی و بێلایەنانە لە هەموو بانگەشەکانی ئەشکەنجە و خراپ مامەڵەکردن لە "
            "شوێنەکانی دەستبەسەرکردندا لێکۆڵینەوە بکرێت و بەرپرسان ڕادەستی دادگا بکرێن."
        ),
        "recommending_state": "Sweden",
        "response": "supported",
        "themes": ["Torture"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.94",
        "file": "detention",
        "text_en": (
            "Guarantee every detainee prompt access to a lawyer of their choice and bring "
            "them before a judge within 24 hours of arrest, as required by Iraqi law."
        ),
        "text_ar": (
            "ضمان حصول كل محتجز فوراً على محامٍ من اختياره وعرضه على قاضٍ خلال 24 ساعة "
            "من القبض عليه، وفقاً لما يقتضيه القانون العراقي."
        ),
        "text_ckb": (
            "دڵنیایی بدرێت کە هەر دەستبەسەرکراوێک بە خێرایی دەستی بە پارێزەرێکی "
            "دڵخوازی خۆی ڕابگات و لە ماوەی 24 کاتژمێر لە کاتی دەستگیرکردنییەوە ڕادەستی "
            "دادوەر بکرێت، وەک یاسای عێراقی داوای دەکات."
        ),
        "recommending_state": "Netherlands",
        "response": "supported",
        "themes": ["Justice", "Detention"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    # Rights of minorities
    {
        "code": "139.120",
        "file": "minorities",
        "text_en": (
            "Strengthen measures to protect members of ethnic and religious minorities, "
            "including Yazidis, Christians, Turkmen, Shabak and Kaka'i, and guarantee "
            "their safe return to their areas of origin."
        ),
        "text_ar": (
            "تعزيز التدابير الرامية إلى حماية أبناء الأقليات العرقية والدينية، ومنهم "
            "الإيزيديون والمسيحيون والتركمان والشبك والكاكائيون، وضمان عودتهم الآمنة إلى "
            "مناطقهم الأصلية."
        ),
        "text_ckb": (
            "ڕێوشوێنەکانی پاراستنی ئەندامانی پێکهاتە نەتەوەیی و ئایینییەکان، لەوانەش "
            "ئێزیدی و مەسیحی و تورکمان و شەبەک و کاکەیی، بەهێز بکرێن و گەڕانەوەی "
            "سەلامەتیان بۆ ناوچە ڕەسەنەکانیان مسۆگەر بکرێت."
        ),
        "recommending_state": "Hungary",
        "response": "supported",
        "themes": ["Minorities", "IDPs"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.121",
        "file": "minorities",
        "text_en": (
            "Adopt legislation that protects the rights of minorities and combats hate "
            "speech and incitement to discrimination."
        ),
        "text_ar": (
            "اعتماد تشريع يحمي حقوق الأقليات ويكافح خطاب الكراهية والتحريض على التمييز."
        ),
        "text_ckb": (
            "یاسایەک دەربکرێت کە مافەکانی پێکهاتەکان بپارێزێت و بەرەنگاری گوتاری ڕق و "
            "هاندان بۆ جیاکاری ببێتەوە."
        ),
        "recommending_state": "Armenia",
        "response": "supported",
        "themes": ["Minorities"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.122",
        "file": "minorities",
        "text_en": (
            "Ensure that the crimes committed by ISIL against Yazidis and other minorities "
            "are investigated and prosecuted as international crimes, including genocide."
        ),
        "text_ar": (
            "ضمان التحقيق في الجرائم التي ارتكبها تنظيم داعش الإرهابي بحق الإيزيديين "
            "والأقليات الأخرى، وملاحقة مرتكبيها قضائياً بوصفها جرائم دولية، بما فيها "
            "الإبادة الجماعية."
        ),
        "text_ckb": (
            "دڵنیایی بدرێت کە لە تاوانەکانی ڕێکخراوی داعش دژی ئێزیدییەکان و پێکهاتەکانی "
            "تر لێکۆڵینەوە دەکرێت و تاوانبارانیان وەک تاوانی نێودەوڵەتی، لەوانەش "
            "جینۆساید، ڕاپێچی دادگا دەکرێن."
        ),
        "recommending_state": "Netherlands",
        "response": "supported",
        "themes": ["Minorities", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.123",
        "file": "minorities",
        "text_en": (
            "Amend the National Card Law so that minor children are not automatically "
            "registered as Muslim when one parent converts to Islam."
        ),
        "text_ar": (
            "تعديل قانون البطاقة الوطنية بحيث لا يُسجَّل الأطفال القاصرون مسلمين "
            "تلقائياً عند اعتناق أحد الوالدين الإسلام."
        ),
        "text_ckb": (
            "یاسای کارتی نیشتمانی هەموار بکرێت بۆ ئەوەی کاتێک یەکێک لە دایک و باوک "
            "دەبێتە موسڵمان، منداڵە ناپێگەیشتووەکان بە شێوەیەکی خۆکار وەک موسڵمان تۆمار "
            "نەکرێن."
        ),
        "recommending_state": "Poland",
        "response": "noted",
        "themes": ["Minorities", "Children"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.125.1",
        "file": "minorities",
        "text_en": (
            "Ensure the restitution of property seized from members of minority "
            "communities and compensate those affected."
        ),
        "text_ar": (
            "ضمان إعادة الممتلكات المستولى عليها من أبناء الأقليات، وتعويض المتضررين."
        ),
        "text_ckb": (
            "دڵنیایی بدرێت کە ئەو موڵک و ماڵانەی لە ئەندامانی پێکهاتەکان داگیر کراون "
            "بۆیان دەگەڕێنرێنەوە و زیانلێکەوتووان قەرەبوو دەکرێنەوە."
        ),
        "recommending_state": "Lebanon",
        "response": "supported",
        "themes": ["Minorities"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.127",
        "file": "minorities",
        "text_en": (
            "Ensure the fair representation of minorities in public institutions and in "
            "the local administration and security forces of their areas."
        ),
        "text_ar": (
            "ضمان التمثيل العادل للأقليات في المؤسسات العامة وفي الإدارة المحلية "
            "والأجهزة الأمنية في مناطقهم."
        ),
        "text_ckb": (
            "نوێنەرایەتیی دادپەروەرانەی پێکهاتەکان لە دامەزراوە گشتییەکان و لە ئیدارەی "
            "خۆجێیی و دەزگا ئەمنییەکانی ناوچەکانیاندا مسۆگەر بکرێت."
        ),
        "recommending_state": "Australia",
        "response": "supported",
        "themes": ["Minorities"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    # Rights of the child
    {
        "code": "139.140",
        "file": "children",
        "text_en": (
            "Take effective measures to prevent child and early marriage, including "
            "marriages concluded outside the courts."
        ),
        "text_ar": (
            "اتخاذ تدابير فعالة لمنع زواج الأطفال والزواج المبكر، بما في ذلك الزيجات "
            "المعقودة خارج المحاكم."
        ),
        "text_ckb": (
            "ڕێوشوێنی کاریگەر بگیرێنە بەر بۆ ڕێگریکردن لە هاوسەرگیریی منداڵان و "
            "هاوسەرگیریی زوو، لەوانەش ئەو هاوسەرگیرییانەی لە دەرەوەی دادگا دەبەسترێن."
        ),
        "recommending_state": "Chile; Uruguay",
        "response": "supported",
        "themes": ["Children", "Women's rights"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.141",
        "file": "children",
        "text_en": (
            "Ensure birth registration and civil documentation for all children, "
            "including children born in areas formerly under ISIL control."
        ),
        "text_ar": (
            "ضمان تسجيل المواليد وإصدار الوثائق المدنية لجميع الأطفال، بمن فيهم الأطفال "
            "المولودون في المناطق التي كانت خاضعة لسيطرة داعش."
        ),
        "text_ckb": (
            "تۆمارکردنی لەدایکبوون و دەرکردنی بەڵگەنامەی شارستانی بۆ هەموو منداڵان "
            "مسۆگەر بکرێت، لەوانەش ئەو منداڵانەی لەو ناوچانەدا لەدایک بوون کە پێشتر "
            "لەژێر دەسەڵاتی داعشدا بوون."
        ),
        "recommending_state": "Mexico",
        "response": "supported",
        "themes": ["Children", "IDPs"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.142",
        "file": "children",
        "text_en": (
            "Prohibit corporal punishment of children in all settings, including in the "
            "home and in schools."
        ),
        "text_ar": (
            "حظر العقوبة البدنية للأطفال في جميع الأوساط، بما في ذلك المنزل والمدرسة."
        ),
        "text_ckb": (
            "سزای جەستەیی منداڵان لە هەموو شوێنێکدا، لەوانەش لە ماڵ و قوتابخانە، "
            "قەدەغە بکرێت."
        ),
        "recommending_state": "Slovenia",
        "response": "supported",
        "themes": ["Children"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.143",
        "file": "children",
        "text_en": (
            "Ensure that children associated with armed groups are treated primarily as "
            "victims and that the detention of children is used only as a measure of "
            "last resort."
        ),
        "text_ar": (
            "ضمان معاملة الأطفال المرتبطين بالجماعات المسلحة بوصفهم ضحايا في المقام "
            "الأول، وعدم اللجوء إلى احتجاز الأطفال إلا كملاذ أخير."
        ),
        "text_ckb": "",
        "recommending_state": "Luxembourg",
        "response": "supported",
        "themes": ["Children", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.145",
        "file": "children",
        "text_en": (
            "Adopt the draft child protection law and allocate adequate resources for its "
            "implementation."
        ),
        "text_ar": "اعتماد مشروع قانون حماية الطفل، وتخصيص الموارد الكافية لتنفيذه.",
        "text_ckb": (
            "پڕۆژەیاسای پاراستنی منداڵ پەسەند بکرێت و سەرچاوەی پێویست بۆ جێبەجێکردنی "
            "تەرخان بکرێت."
        ),
        "recommending_state": "Egypt",
        "response": "supported",
        "themes": ["Children"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.146",
        "file": "children",
        "text_en": (
            "Strengthen efforts to ensure access to quality education for all children, "
            "including displaced children and children with disabilities."
        ),
        "text_ar": (
            "تعزيز الجهود الرامية إلى ضمان حصول جميع الأطفال على تعليم جيد، بمن فيهم "
            "الأطفال النازحون والأطفال ذوو الإعاقة."
        ),
        "text_ckb": (
            "هەوڵەکان بۆ مسۆگەرکردنی دەستگەیشتنی هەموو منداڵان بە خوێندنێکی باش، "
            "لەوانەش منداڵانی ئاوارە و منداڵانی خاوەن پێداویستیی تایبەت، بەهێز بکرێن."
        ),
        "recommending_state": "Indonesia",
        "response": "supported",
        "themes": ["Children", "Education"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    # Displaced persons and returnees
    {
        "code": "139.160",
        "file": "displacement",
        "text_en": (
            "Ensure that the return of internally displaced persons is safe, voluntary "
            "and dignified, and that camps are not closed without adequate alternatives."
        ),
        "text_ar": (
            "ضمان أن تكون عودة النازحين داخلياً آمنة وطوعية وكريمة، وعدم إغلاق المخيمات "
            "دون توفير بدائل ملائمة."
        ),
        "text_ckb": (
            "دڵنیایی بدرێت کە گەڕانەوەی ئاوارەکانی ناوخۆ سەلامەت و خۆبەخشانە و بە شکۆ "
            "دەبێت، و کەمپەکان بەبێ دابینکردنی بژاردەی گونجاو دانەخرێن."
        ),
        "recommending_state": "Norway",
        "response": "supported",
        "themes": ["IDPs"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.161",
        "file": "displacement",
        "text_en": (
            "Facilitate the issuance of civil documentation to displaced persons, "
            "including families with perceived affiliation to ISIL."
        ),
        "text_ar": (
            "تيسير إصدار الوثائق المدنية للنازحين، بمن فيهم الأسر التي يُعتقد بانتماء "
            "أحد أفرادها إلى داعش."
        ),
        "text_ckb": (
            "دەرکردنی بەڵگەنامە شارستانییەکان بۆ ئاوارەکان ئاسان بکرێت، لەوانەش ئەو "
            "خێزانانەی گومانی پەیوەندییان بە داعشەوە لێ دەکرێت."
        ),
        "recommending_state": "Germany",
        "response": "supported",
        "themes": ["IDPs"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.162",
        "file": "displacement",
        "text_en": (
            "Allocate adequate resources to the reconstruction of liberated areas and to "
            "the compensation of victims under Law No. 20 of 2009."
        ),
        "text_ar": (
            "تخصيص الموارد الكافية لإعادة إعمار المناطق المحررة ولتعويض الضحايا بموجب "
            "القانون رقم 20 لسنة 2009."
        ),
        "text_ckb": (
            "سەرچاوەی پێویست بۆ ئاوەدانکردنەوەی ناوچە ئازادکراوەکان و قەرەبووکردنەوەی "
            "قوربانیان بەپێی یاسای ژمارە 20ی ساڵی 2009 تەرخان بکرێت."
        ),
        "recommending_state": "Japan",
        "response": "supported",
        "themes": ["IDPs", "Justice"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.163",
        "file": "displacement",
        "text_en": (
            "Seek durable solutions for displaced persons, including those from Sinjar, "
            "in consultation with the affected communities."
        ),
        "text_ar": (
            "السعي إلى إيجاد حلول دائمة للنازحين، ومنهم النازحون من سنجار، بالتشاور مع "
            "المجتمعات المتأثرة."
        ),
        "text_ckb": (
            "بە ڕاوێژ لەگەڵ کۆمەڵگە زیانلێکەوتووەکان، چارەسەری هەمیشەیی بۆ ئاوارەکان، "
            "لەوانەش ئاوارەکانی شنگال، بدۆزرێتەوە."
        ),
        "recommending_state": "Republic of Korea",
        "response": "supported",
        "themes": ["IDPs", "Minorities"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.164.1",
        "file": "displacement",
        "text_en": (
            "Ensure that displaced women and children have access to health care, "
            "psychosocial support and protection services."
        ),
        "text_ar": (
            "ضمان حصول النساء والأطفال النازحين على الرعاية الصحية والدعم النفسي "
            "والاجتماعي وخدمات الحماية."
        ),
        "text_ckb": (
            "دڵنیایی بدرێت کە ئافرەتان و منداڵانی ئاوارە دەستیان بە چاودێریی تەندروستی "
            "و پشتیوانیی دەروونی و کۆمەڵایەتی و خزمەتگوزارییەکانی پاراستن ڕادەگات."
        ),
        "recommending_state": "Philippines",
        "response": "supported",
        "themes": ["IDPs", "Women's rights", "Children"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
    {
        "code": "139.166",
        "file": "displacement",
        "text_en": (
            "Strengthen the clearance of explosive remnants of war in areas of return and "
            "extend mine risk education to returnee communities."
        ),
        "text_ar": (
            "تعزيز إزالة مخلفات الحرب المتفجرة في مناطق العودة، وتوسيع نطاق التوعية "
            "بمخاطر الألغام لتشمل المجتمعات العائدة."
        ),
        "text_ckb": "",
        "recommending_state": "Croatia",
        "response": "supported",
        "themes": ["IDPs"],
        "cycle": "3",
        "session": "34",
        "document": "A/HRC/43/14",
    },
]

# --- Organisations (fictional) ----------------------------------------------------------

ORGANIZATIONS = [
    {
        "name": "ڕێکخراوی شنەبا بۆ مافەکانی ئافرەتان",
        "email": "shnaba@example.org",
        "registration_number": "NGO-ERB-2016-0412",
        "governorate": "Erbil",
        "preferred_language": "ckb",
        "users": [
            {"email": "shilan.m@example.org", "name": "شیلان محەمەد ئەمین", "role": "ngo_admin"},
            {"email": "rezan.k@example.org", "name": "ڕێزان کەریم", "role": "evaluator"},
            {"email": "hero.a@example.org", "name": "هێرۆ عەبدوڵڵا", "role": "evaluator"},
        ],
    },
    {
        "name": "منتدى شط العرب لحرية الصحافة",
        "email": "shatt.press@example.org",
        "registration_number": "NGO-BSR-2014-1187",
        "governorate": "Basra",
        "preferred_language": "ar",
        "users": [
            {"email": "haider.ak@example.org", "name": "حيدر عبد الكريم", "role": "ngo_admin"},
            {"email": "zainab.f@example.org", "name": "زينب فالح", "role": "evaluator"},
        ],
    },
    {
        "name": "جسور نينوى للتعايش والعودة – Nineveh Bridges",
        "email": "nineveh.bridges@example.org",
        "registration_number": "NGO-NIN-2018-0935",
        "governorate": "Nineveh",
        "preferred_language": "en",
        "users": [
            {"email": "salwa.i@example.org", "name": "سلوى إلياس", "role": "ngo_admin"},
            {"email": "khidida.h@example.org", "name": "خديدة حسن", "role": "evaluator"},
            {"email": "fadi.y@example.org", "name": "فادي يوخنا", "role": "evaluator"},
        ],
    },
]

# --- Coordinators (government side; fictional people) ----------------------------------
# body None: oversees every body (sees both plans).

COORDINATORS = [
    {
        "email": "coordinator.moj@example.org",
        "name": "علي حسين كاظم",
        "body": "moj-hr",
        "language": "ar",
    },
    {
        "email": "coordinator.krg@example.org",
        "name": "ڕێبوار ئەحمەد قادر",
        "body": "krg-coordinator",
        "language": "ckb",
    },
    {
        "email": "oversight@example.org",
        "name": "سارا جلال",
        "body": None,
        "language": "en",
    },
]

# --- File choices per organisation and plan ---------------------------------------------
# {org email: {plan slug: {"monitor": [...], "decline": [...], "decline_reasons": {...}}}}
# A file in neither list has no choice recorded (the organisation has not decided).
# All three organisations are registered in both plans.
#
# Federal plan: women 2 (Shnaba, Shatt), expression 2 (Shatt, Nineveh), detention 2
# (Shnaba, Shatt), minorities 1 (Nineveh only: the one file below 2), children 3,
# displacement 2 (Shnaba, Nineveh).
# KRG plan: detention is monitored by nobody (declined by Shnaba and Nineveh Bridges);
# women 2, expression 2, children 2, minorities 1, displacement 1.

MONITORED_FILES = {
    "shnaba@example.org": {
        "iraq-nhrp-2021-2025": {
            "monitor": ["women", "detention", "children", "displacement"],
            "decline": ["expression", "minorities"],
            "decline_reasons": {},
        },
        "krg-hrp-2021-2025": {
            "monitor": ["women", "expression", "children"],
            "decline": ["detention"],
            "decline_reasons": {
                "detention": (
                    "دەستمان بە شوێنەکانی دەستبەسەرکردن ناگات و ناتوانین بە شێوەیەکی "
                    "سەربەخۆ زانیارییەکان پشتڕاست بکەینەوە."
                ),
            },
        },
    },
    "shatt.press@example.org": {
        "iraq-nhrp-2021-2025": {
            "monitor": ["women", "expression", "detention", "children"],
            "decline": ["minorities", "displacement"],
            "decline_reasons": {},
        },
        "krg-hrp-2021-2025": {
            "monitor": ["expression"],
            "decline": [],
            "decline_reasons": {},
        },
    },
    "nineveh.bridges@example.org": {
        "iraq-nhrp-2021-2025": {
            "monitor": ["expression", "minorities", "children", "displacement"],
            "decline": ["detention"],
            "decline_reasons": {},
        },
        "krg-hrp-2021-2025": {
            "monitor": ["women", "minorities", "children", "displacement"],
            "decline": ["detention"],
            "decline_reasons": {},
        },
    },
}

# --- Official (government self-reported) progress ---------------------------------------
# One dict per (plan, period, level). level "plan": file and code None; level "file":
# file key; level "recommendation": recommendation code. measure is "share_implemented"
# or "mean_score" (0-100). For a recommendation, value is the mean_score and status_score
# the status on the questionnaire's scale (0/25/50/75/100); otherwise status_score None.
#
# Only the KRG plan-level figures (34.8 and 42.8) are public; every other figure, every
# reported_on date and every federal source title is invented for the demo.
#
# With EVALUATION_PATTERN below, the 2023 recommendation entries give (gap = official
# minus the NGOs' mean score; divergent when |gap| >= 15 with at least 2 NGOs):
#   federal 139.94  75 vs 37.5 (2 NGOs)  -> divergent
#   federal 139.70  75 vs 25.0 (2 NGOs)  -> divergent
#   federal 139.141 100 vs 91.7 (3 NGOs) -> agrees
#   federal 139.160 75 vs 62.5 (2 NGOs)  -> agrees (gap 12.5)
#   KRG     139.38  100 vs 62.5 (2 NGOs) -> divergent
#   KRG     139.70  75 vs 12.5 (2 NGOs)  -> divergent
#   KRG     139.146 75 vs 87.5 (2 NGOs)  -> agrees (gap -12.5)
#   KRG     139.120 100 vs 75.0 (1 NGO)  -> low coverage, never flagged

_KRG_SOURCE_2022 = "KRG Human Rights Plan implementation report 2022"
_KRG_SOURCE_2023 = "KRG Human Rights Plan implementation report 2023"
_MOJ_SOURCE_2022 = "Ministry of Justice, National Human Rights Plan annual report 2022"
_MOJ_SOURCE_2023 = "Ministry of Justice, National Human Rights Plan annual report 2023"

OFFICIAL_PROGRESS = [
    # KRG plan: published plan-level figures
    {
        "plan": "krg-hrp-2021-2025", "period": "2022", "level": "plan",
        "file": None, "code": None, "measure": "share_implemented",
        "value": 34.8, "status_score": None,
        "source": _KRG_SOURCE_2022, "reported_on": "2023-05-17",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "plan",
        "file": None, "code": None, "measure": "share_implemented",
        "value": 42.8, "status_score": None,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    # KRG plan: per file, 2023
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "file",
        "file": "women", "code": None, "measure": "mean_score",
        "value": 70.0, "status_score": None,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "file",
        "file": "children", "code": None, "measure": "mean_score",
        "value": 65.0, "status_score": None,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "file",
        "file": "minorities", "code": None, "measure": "mean_score",
        "value": 80.0, "status_score": None,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    # KRG plan: per recommendation, 2023
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.38", "measure": "mean_score",
        "value": 100.0, "status_score": 100,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.70", "measure": "mean_score",
        "value": 75.0, "status_score": 75,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.146", "measure": "mean_score",
        "value": 75.0, "status_score": 75,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    {
        "plan": "krg-hrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.120", "measure": "mean_score",
        "value": 100.0, "status_score": 100,
        "source": _KRG_SOURCE_2023, "reported_on": "2024-05-22",
    },
    # Federal plan: plan-level figures (invented)
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2022", "level": "plan",
        "file": None, "code": None, "measure": "share_implemented",
        "value": 27.5, "status_score": None,
        "source": _MOJ_SOURCE_2022, "reported_on": "2023-06-12",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "plan",
        "file": None, "code": None, "measure": "share_implemented",
        "value": 36.1, "status_score": None,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    # Federal plan: per file (invented)
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2022", "level": "file",
        "file": "detention", "code": None, "measure": "mean_score",
        "value": 50.0, "status_score": None,
        "source": _MOJ_SOURCE_2022, "reported_on": "2023-06-12",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "file",
        "file": "women", "code": None, "measure": "mean_score",
        "value": 55.0, "status_score": None,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "file",
        "file": "children", "code": None, "measure": "mean_score",
        "value": 55.0, "status_score": None,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    # Federal plan: per recommendation, 2023 (invented)
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.94", "measure": "mean_score",
        "value": 75.0, "status_score": 75,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.70", "measure": "mean_score",
        "value": 75.0, "status_score": 75,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.141", "measure": "mean_score",
        "value": 100.0, "status_score": 100,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
    {
        "plan": "iraq-nhrp-2021-2025", "period": "2023", "level": "recommendation",
        "file": None, "code": "139.160", "measure": "mean_score",
        "value": 75.0, "status_score": 75,
        "source": _MOJ_SOURCE_2023, "reported_on": "2024-06-10",
    },
]

# --- Demo evaluations ---------------------------------------------------------------------
# The rule (deterministic, no randomness):
#
#   For each period P in EVALUATION_PATTERN["periods"], each plan, each organisation O
#   and each recommendation R in a file that O monitors in that plan (MONITORED_FILES):
#     * if (O's email, R's code) is in "no_information", O answers "no information"
#       (status_score NULL) in every period and plan where it evaluates R;
#     * otherwise score = base[P][R's code] + offset[O's email], clamped to 0..100
#       (bases and offsets are multiples of 25, so the result is always on the scale).
#   Every such evaluation is submitted to the coordinator (both periods are closed).
#   Period 2024 (open) gets no demo evaluations.
#
# The same bases serve both plans; the plans differ through which organisations monitor
# which files. The offsets model a stricter (-25) or more lenient (+25) reading of the
# same evidence and give the agreement statistic something to measure.
#
# Resulting independent share_implemented (median exactly 100), for comparison with
# OFFICIAL_PROGRESS: KRG 2023 3 of 29 evaluated recommendations = 10.3% against the
# official 42.8%; KRG 2022 2 of 29 = 6.9% against 34.8%; federal 2023 1 of 35 = 2.9%
# against 36.1%; federal 2022 0 of 35 = 0% against 27.5%. (KRG: detention is monitored
# by nobody and 139.123 only gets "no information"; federal: 139.123 likewise.)
# Files, 2023: KRG women 70 official vs 45.8 independent (divergent), KRG children 65
# vs 60.4 (agrees), KRG minorities 80 vs 70.0 (1 NGO: low coverage); federal women 55
# vs 25.0 (divergent), federal children 55 vs 48.6 (agrees); 2022 federal detention 50
# vs 8.3 (divergent).

EVALUATION_PATTERN = {
    "periods": ["2022", "2023"],
    "base": {
        "2022": {
            # women
            "139.35": 25, "139.36": 0, "139.38": 25, "139.40": 25, "139.42": 50, "139.44": 0,
            # expression
            "139.70": 25, "139.71": 25, "139.72": 0, "139.74": 0, "139.75": 50, "139.76": 25,
            # detention
            "139.12": 0, "139.27": 0, "139.27.1": 25, "139.58": 0, "139.61": 25, "139.94": 25,
            # minorities
            "139.120": 25, "139.121": 25, "139.122": 50, "139.123": 0, "139.125.1": 0,
            "139.127": 25,
            # children
            "139.140": 0, "139.141": 75, "139.142": 0, "139.143": 25, "139.145": 0,
            "139.146": 50,
            # displacement
            "139.160": 25, "139.161": 75, "139.162": 25, "139.163": 0, "139.164.1": 25,
            "139.166": 75,
        },
        "2023": {
            # women
            "139.35": 25, "139.36": 0, "139.38": 50, "139.40": 50, "139.42": 75, "139.44": 0,
            # expression
            "139.70": 25, "139.71": 25, "139.72": 0, "139.74": 25, "139.75": 50, "139.76": 50,
            # detention
            "139.12": 0, "139.27": 0, "139.27.1": 25, "139.58": 25, "139.61": 25, "139.94": 50,
            # minorities
            "139.120": 50, "139.121": 50, "139.122": 50, "139.123": 0, "139.125.1": 25,
            "139.127": 50,
            # children
            "139.140": 25, "139.141": 100, "139.142": 25, "139.143": 50, "139.145": 25,
            "139.146": 75,
            # displacement
            "139.160": 50, "139.161": 75, "139.162": 50, "139.163": 25, "139.164.1": 50,
            "139.166": 75,
        },
    },
    "offset": {
        "shnaba@example.org": 0,
        "shatt.press@example.org": -25,
        "nineveh.bridges@example.org": 25,
    },
    "no_information": [
        ("shatt.press@example.org", "139.27.1"),
        ("nineveh.bridges@example.org", "139.123"),
        ("shnaba@example.org", "139.162"),
    ],
}

# --- Questionnaire samples ------------------------------------------------------------------
# Confidence the evaluator has in the evidence. Suggested demo assignment: cycle through
# the list in the order of RECOMMENDATIONS (high, medium, low, high, ...).

CONFIDENCE = [
    {
        "key": "high",
        "label_ar": "عالية",
        "label_ckb": "بەرز",
        "label_en": "High",
        "description_ar": "مصادر مستقلة متعددة، منها وثائق رسمية أو ملاحظة مباشرة.",
        "description_ckb": "چەند سەرچاوەیەکی سەربەخۆ، لەوانەش بەڵگەنامەی فەرمی یان چاودێریی ڕاستەوخۆ.",
        "description_en": "Several independent sources, including official documents or direct observation.",
    },
    {
        "key": "medium",
        "label_ar": "متوسطة",
        "label_ckb": "مامناوەند",
        "label_en": "Medium",
        "description_ar": "مصدر موثوق واحد، أو عدة مصادر غير مؤكدة بالكامل.",
        "description_ckb": "یەک سەرچاوەی متمانەپێکراو، یان چەند سەرچاوەیەک کە بە تەواوی پشتڕاست نەکراونەتەوە.",
        "description_en": "One reliable source, or several sources that are not fully confirmed.",
    },
    {
        "key": "low",
        "label_ar": "منخفضة",
        "label_ckb": "نزم",
        "label_en": "Low",
        "description_ar": "معلومات غير مباشرة أو جزئية يصعب التحقق منها.",
        "description_ckb": "زانیاریی ناڕاستەوخۆ یان بەشەکی کە پشتڕاستکردنەوەی ئاستەمە.",
        "description_en": "Indirect or partial information that is hard to verify.",
    },
]

# Sample narrative sentences for the assessment field, keyed by status score (or
# "no_information"). Generic on purpose: they fit any recommendation.

ASSESSMENT_SNIPPETS = {
    0: [
        {
            "ar": (
                "لوحظ: لم يُعثر خلال الفترة على أي مشروع قانون أو تعليمات أو تخصيص مالي "
                "يتعلق بهذه التوصية، وأكدت الوزارة المعنية أن العمل عليها لم يبدأ بعد."
            ),
            "ckb": (
                "تێبینی کرا: لەم ماوەیەدا هیچ پڕۆژەیاسا، ڕێنمایی یان بودجەیەک سەبارەت بەم "
                "ڕاسپاردەیە نەدۆزرایەوە، و وەزارەتی پەیوەندیدار پشتڕاستی کردەوە کە کار "
                "لەسەری دەستی پێنەکردووە."
            ),
            "en": (
                "Observed: no draft law, instruction or budget line on this recommendation "
                "was found in the period; the responsible ministry confirmed that work has "
                "not started."
            ),
        },
    ],
    25: [
        {
            "ar": (
                "لوحظ: شُكّلت لجنة وعقدت اجتماعين، إلا أن أي إجراء لم يصل إلى الفئات "
                "المعنية حتى نهاية الفترة."
            ),
            "ckb": (
                "تێبینی کرا: لیژنەیەک پێکهێنرا و دوو کۆبوونەوەی کرد، بەڵام تا کۆتایی "
                "ماوەکە هیچ ڕێوشوێنێک نەگەیشتە خەڵکی پەیوەندیدار."
            ),
            "en": (
                "Observed: a committee was formed and met twice, but no measure had reached "
                "the people concerned by the end of the period."
            ),
        },
    ],
    50: [
        {
            "ar": (
                "لوحظ: الإجراء نافذ في مركز المحافظة دون الأقضية التي زرناها، وعولجت 3 من "
                "أصل 7 حالات تابعناها وفق ما يقتضيه القانون."
            ),
            "ckb": (
                "تێبینی کرا: ڕێوشوێنەکە لە ناوەندی پارێزگاکەدا جێبەجێ دەکرێت بەڵام لەو "
                "قەزایانەی سەردانمان کردن نا؛ لە 7 حاڵەتی بەدواداچوونمان بۆ کردن، 3یان "
                "بەپێی یاسا مامەڵەیان لەگەڵ کرا."
            ),
            "en": (
                "Observed: the measure is applied in the governorate centre but not in the "
                "districts we visited; 3 of the 7 cases we followed were handled as the law "
                "requires."
            ),
        },
    ],
    75: [
        {
            "ar": (
                "لوحظ: صدر القانون وصدرت تعليمات تنفيذه، مع بقاء ثغرات في التمويل وفي "
                "تدريب الكوادر."
            ),
            "ckb": (
                "تێبینی کرا: یاساکە پەسەند کراوە و ڕێنماییەکانی جێبەجێکردنی دەرچوون، بەڵام "
                "کەموکوڕی لە دابینکردنی پارە و ڕاهێنانی کارمەنداندا ماوە."
            ),
            "en": (
                "Observed: the law has been adopted and its implementing instructions "
                "issued; gaps remain in funding and in the training of staff."
            ),
        },
    ],
    100: [
        {
            "ar": (
                "لوحظ: الإجراء مطبق في كامل المنطقة التي نراقبها، وأكد الأشخاص الذين "
                "قابلناهم استفادتهم منه."
            ),
            "ckb": (
                "تێبینی کرا: ڕێوشوێنەکە لە سەرانسەری ئەو ناوچەیەی چاودێری دەکەین جێبەجێ "
                "دەکرێت، و ئەو کەسانەی چاوپێکەوتنمان لەگەڵ کردن پشتڕاستیان کردەوە کە سوودی "
                "لێ دەبینن."
            ),
            "en": (
                "Observed: the measure is applied throughout the area we monitor, and the "
                "people we interviewed confirmed that they benefit from it."
            ),
        },
    ],
    "no_information": [
        {
            "ar": (
                "تعذّر علينا الحصول على معلومات موثوقة عن هذه الفترة: لم تُجب المديرية "
                "المعنية على طلباتنا ولم نتمكن من الوصول إلى المواقع ذات الصلة."
            ),
            "ckb": (
                "نەمانتوانی زانیاریی متمانەپێکراو بۆ ئەم ماوەیە بەدەست بهێنین: "
                "بەڕێوەبەرایەتیی پەیوەندیدار وەڵامی داواکارییەکانمانی نەدایەوە و دەستمان "
                "بە شوێنە پەیوەندیدارەکان نەگەیشت."
            ),
            "en": (
                "We could not obtain reliable information for this period: the responsible "
                "directorate did not answer our requests and we had no access to the sites "
                "concerned."
            ),
        },
    ],
}
