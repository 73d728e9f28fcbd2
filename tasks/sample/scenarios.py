"""Content for the sample-log generator: scenes, requests, answers and planted failures.

Each intent is one kind of request in one scene, in English and Chinese, with a
slot (a country, a language, a product...) that varies across users. Its good
answer is expert quality: the generator also writes it as the expert repair of
every failure planted on that intent. ``failures`` holds the intent-specific
bad answers; the generic failures (truncation, unpaired tags, wrong language,
needless refusal) are made from the good answer by the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGS = ("en", "zh")

# Failure categories the generator plants (ground-truth labels).
SPECIFIC_CATEGORIES = ("incomplete", "wrong_fact", "near_miss")
GENERIC_CATEGORIES = (
    "truncated",
    "unpaired_tag",
    "wrong_language",
    "needless_refusal",
    "verbose",
)
# How often a generic failure is planted next to an intent's own (weight 1 unless named):
# padded, rambling answers are common, and their concise repairs are the counter-examples
# a preference set needs against length bias.
GENERIC_WEIGHTS = {"verbose": 2.0}
# A long answer that stops mid-sentence or inside a code block while finish_reason says
# "stop" (tasks/sample/phenomena.py): the product logged what it got.
LONG_CATEGORIES = ("cut_off",)
CATEGORIES = SPECIFIC_CATEGORIES + GENERIC_CATEGORIES + LONG_CATEGORIES


@dataclass(frozen=True)
class Intent:
    """One request type: how users ask it, the good answer, and how the model fails it."""

    scene: str
    key: str
    slots: dict[str, tuple[str, ...]]  # lang -> slot values, parallel across languages
    asks: dict[str, tuple[str, ...]]  # lang -> paraphrases with {slot}
    good: dict[str, str]  # lang -> expert answer with {slot}
    failures: dict[str, dict[str, str]]  # category -> lang -> bad answer with {slot}
    failure_rate: float = 0.2
    weights: dict[str, float] = field(default_factory=dict)  # category -> weight


SYSTEM_PROMPTS = {
    "visa": "You are a visa and immigration assistant. Be accurate and complete.",
    "budget": "You are a personal finance assistant. Give practical, careful advice.",
    "coding": "You are a senior software engineer helping users write correct code.",
    "travel": "You are a travel planning assistant.",
    "health": "You are a health information assistant. You are not a doctor; give safe, "
    "evidence-based information and say when to see a professional.",
    "support": "You are the customer support assistant of an online store.",
}

SCENE_WEIGHTS = {
    "visa": 0.18,
    "budget": 0.15,
    "coding": 0.22,
    "travel": 0.17,
    "health": 0.12,
    "support": 0.16,
}

INTENTS: tuple[Intent, ...] = (
    Intent(
        scene="visa",
        key="visa_materials",
        slots={"en": ("Japan", "France", "Canada"), "zh": ("日本", "法国", "加拿大")},
        asks={
            "en": (
                "What documents do I need to apply for a {slot} tourist visa?",
                "Which materials are required for a {slot} visitor visa application?",
            ),
            "zh": ("我想办{slot}旅游签证，需要准备什么材料？", "申请{slot}签证都要哪些材料？"),
        },
        good={
            "en": "For a {slot} tourist visa you typically need: 1) a passport valid for at "
            "least 6 months beyond your stay with blank pages; 2) the completed application "
            "form; 3) recent passport photos to the consulate's size rules; 4) proof of "
            "employment or study (employer letter or enrolment certificate); 5) bank "
            "statements for the last 3-6 months; 6) a round-trip itinerary and hotel "
            "bookings; 7) travel insurance where required. Requirements change, so check the "
            "{slot} consulate's official checklist before you submit.",
            "zh": "办理{slot}旅游签证通常需要：1）有效期超过行程6个月以上的护照；2）填写完整的签证"
            "申请表；3）符合领事馆尺寸要求的近期照片；4）在职证明或在读证明；5）近3-6个月的银行流水；"
            "6）往返机票行程单和酒店预订；7）如有要求，提供旅行保险。各领事馆要求会调整，递交前请以"
            "{slot}领事馆官网的材料清单为准。",
        },
        failures={
            "incomplete": {"en": "Passport, ID card.", "zh": "护照，身份证。"},
            "near_miss": {
                "en": "For a {slot} tourist visa you need your passport, the application form "
                "and two photos. Bank statements and proof of employment are not required for "
                "tourist visas, so you can skip them.",
                "zh": "办{slot}旅游签证只需要护照、申请表和两张照片。旅游签证不需要银行流水和在职"
                "证明，这些可以不交。",
            },
        },
        failure_rate=0.28,
        weights={"incomplete": 5, "near_miss": 3},
    ),
    Intent(
        scene="visa",
        key="schengen_stay",
        slots={"en": ("Schengen",) * 3, "zh": ("申根",) * 3},
        asks={
            "en": (
                "How long can I stay with a {slot} short-stay visa?",
                "What is the maximum stay on a {slot} visa?",
            ),
            "zh": ("{slot}短期签证最多能停留多久？", "{slot}签证可以待多长时间？"),
        },
        good={
            "en": "A {slot} short-stay visa allows up to 90 days in any 180-day period, "
            "counted across all {slot} countries together. The exact validity and number of "
            "entries are printed on your visa sticker.",
            "zh": "{slot}短期签证允许在任意180天内累计停留不超过90天，所有{slot}国家合并计算。"
            "具体有效期和入境次数以签证页上的标注为准。",
        },
        failures={
            "wrong_fact": {
                "en": "A {slot} short-stay visa lets you stay up to 180 days in any 90-day period.",
                "zh": "{slot}短期签证允许在任意90天内停留180天。",
            },
            "near_miss": {
                "en": "A {slot} short-stay visa allows up to 90 days per country you visit, "
                "so a trip through three {slot} countries can last up to 270 days in total.",
                "zh": "{slot}短期签证在每个国家可停留90天，所以去三个{slot}国家总共可以停留270天。",
            },
        },
        failure_rate=0.18,
        weights={"wrong_fact": 4, "near_miss": 4},
    ),
    Intent(
        scene="budget",
        key="monthly_budget",
        slots={"en": ("3,000", "5,000", "8,000"), "zh": ("3000", "5000", "8000")},
        asks={
            "en": (
                "My take-home pay is {slot} a month. How should I plan my budget?",
                "How do I split a monthly income of {slot}?",
            ),
            "zh": ("我每月到手{slot}元，应该怎么做预算？", "月收入{slot}元怎么分配比较合理？"),
        },
        good={
            "en": "With {slot} a month, start from the 50/30/20 rule: about 50% for needs "
            "(rent, food, transport, insurance), 30% for wants, and 20% for savings and debt "
            "repayment. First build an emergency fund of 3-6 months of essential costs, pay "
            "off high-interest debt before investing, automate the savings transfer on payday, "
            "and review your spending each month.",
            "zh": "每月{slot}元可以先参考50/30/20法则：约50%用于必要开支（房租、饮食、交通、保险），"
            "30%用于可选消费，20%用于储蓄和还债。先建立3-6个月必要开支的应急金，优先还清高息债务"
            "再投资，发薪日自动转存储蓄，每月复盘一次支出。",
        },
        failures={
            "incomplete": {
                "en": "Spend less than you earn.",
                "zh": "少花钱，多存钱。",
            },
            "near_miss": {
                "en": "With {slot} a month, use the 50/30/20 rule: 50% for wants, 30% for "
                "needs and 20% for savings. Invest your emergency fund in stocks so it grows "
                "faster, and keep paying the minimum on credit cards.",
                "zh": "每月{slot}元按50/30/20分配：50%用于可选消费，30%用于必要开支，20%储蓄。"
                "应急金可以全部买股票让它增值，信用卡每月还最低还款额就行。",
            },
        },
        failure_rate=0.16,
        weights={"incomplete": 3, "near_miss": 5},
    ),
    Intent(
        scene="budget",
        key="compound_interest",
        slots={"en": ("10,000", "20,000", "50,000"), "zh": ("1万", "2万", "5万")},
        asks={
            "en": (
                "If I invest {slot} at 5% a year compounded, how much will I have after 10 years?",
                "What does {slot} grow to in 10 years at 5% annual compound interest?",
            ),
            "zh": (
                "{slot}元按年化5%复利投资10年能有多少？",
                "{slot}元年利率5%复利，10年后是多少？",
            ),
        },
        good={
            "en": "Use A = P x (1 + r)^n. With P = {slot}, r = 5% and n = 10 years, the "
            "growth factor is 1.05^10 ≈ 1.629, so you end with about 1.629 times {slot}. "
            "Taxes, fees and inflation will reduce the real amount.",
            "zh": "用复利公式 A = P ×（1 + r）^n。本金{slot}元、r = 5%、n = 10年，增长倍数为1.05^10"
            " ≈ 1.629，所以10年后约为本金的1.629倍。税费和通胀会让实际收益更低。",
        },
        failures={
            "wrong_fact": {
                "en": "At 5% for 10 years you earn 50% in total, so you end with 1.5 times {slot}.",
                "zh": "5%乘以10年就是50%，所以10年后是本金的1.5倍。",
            },
            "near_miss": {
                "en": "Use A = P x (1 + r)^n. With r = 5% and n = 10, 1.05^10 ≈ 1.539, so "
                "{slot} grows to about 1.539 times its value.",
                "zh": "用复利公式 A = P ×（1 + r）^n，1.05^10 ≈ 1.539，所以{slot}元10年后约为1.539倍。",
            },
        },
        failure_rate=0.2,
        weights={"wrong_fact": 3, "near_miss": 5},
    ),
    Intent(
        scene="coding",
        key="reverse_string",
        slots={"en": ("Python", "JavaScript", "Go"), "zh": ("Python", "JavaScript", "Go")},
        asks={
            "en": (
                "Write a {slot} function that reverses a string.",
                "How do I reverse a string in {slot}?",
            ),
            "zh": ("用{slot}写一个反转字符串的函数。", "{slot}里怎么反转字符串？"),
        },
        good={
            "en": "Here is a {slot} version that handles Unicode correctly:\n\n```\n"
            "reverse(s): return the characters (code points) of s in reverse order\n```\n\n"
            "In Python that is `s[::-1]`; in JavaScript `[...s].reverse().join('')` (the "
            "spread keeps surrogate pairs together); in Go convert to `[]rune`, swap from both "
            "ends, and convert back. Add a test with an empty string and a non-ASCII string.",
            "zh": "下面是能正确处理Unicode的{slot}写法：\n\n```\nreverse(s)：按码点倒序返回s的字符\n```\n\n"
            "Python里是 `s[::-1]`；JavaScript里用 `[...s].reverse().join('')`（展开运算符能保持代理对"
            "完整）；Go里先转成 `[]rune`，首尾交换后再转回字符串。记得测试空字符串和非ASCII字符串。",
        },
        failures={
            "near_miss": {
                "en": "In {slot} you can reverse a string by reversing its bytes:\n\n```\n"
                "reverse(s): return bytes(s) reversed\n```\n\nIn JavaScript use "
                "`s.split('').reverse().join('')`; in Go reverse the `[]byte`. This works for "
                "every string.",
                "zh": "{slot}里反转字符串只要把字节倒过来：\n\n```\nreverse(s)：返回倒序的字节\n```\n\n"
                "JavaScript用 `s.split('').reverse().join('')`，Go里反转 `[]byte` 即可，对所有字符串"
                "都适用。",
            },
            "incomplete": {"en": "Use a loop.", "zh": "用循环就行。"},
        },
        failure_rate=0.2,
        weights={"near_miss": 5, "incomplete": 2, "truncated": 4},
    ),
    Intent(
        scene="coding",
        key="sql_dedup",
        slots={
            "en": ("PostgreSQL", "DuckDB", "MySQL 8"),
            "zh": ("PostgreSQL", "DuckDB", "MySQL 8"),
        },
        asks={
            "en": (
                "In {slot}, how do I keep only the latest row per user_id?",
                "{slot}: deduplicate a table keeping the newest row for each user.",
            ),
            "zh": (
                "{slot}里怎么按user_id只保留最新的一行？",
                "{slot}如何去重，每个用户只留最新记录？",
            ),
        },
        good={
            "en": "Rank rows per user and keep the first:\n\n```sql\nSELECT * FROM (\n  SELECT "
            "t.*, row_number() OVER (PARTITION BY user_id ORDER BY updated_at DESC) AS rn\n  "
            "FROM events t\n) s WHERE rn = 1;\n```\n\nThis works in {slot}. Break ties "
            "deterministically (add the primary key to ORDER BY) and index (user_id, "
            "updated_at) for large tables.",
            "zh": "按用户排序后取第一行：\n\n```sql\nSELECT * FROM (\n  SELECT t.*, row_number() OVER "
            "(PARTITION BY user_id ORDER BY updated_at DESC) AS rn\n  FROM events t\n) s WHERE rn "
            "= 1;\n```\n\n这在{slot}中可用。为保证结果确定，在ORDER BY中加上主键；大表请建 (user_id, "
            "updated_at) 索引。",
        },
        failures={
            "wrong_fact": {
                "en": "Use `SELECT DISTINCT user_id, * FROM events;` in {slot}: DISTINCT keeps "
                "the newest row for each user automatically.",
                "zh": "在{slot}里用 `SELECT DISTINCT user_id, * FROM events;`，DISTINCT会自动保留每个"
                "用户最新的一行。",
            },
            "near_miss": {
                "en": "Group and take the maximum:\n\n```sql\nSELECT user_id, max(updated_at), "
                "max(status) FROM events GROUP BY user_id;\n```\n\nThis returns the latest row "
                "per user in {slot}.",
                "zh": "分组取最大值：\n\n```sql\nSELECT user_id, max(updated_at), max(status) FROM "
                "events GROUP BY user_id;\n```\n\n这样在{slot}里就得到每个用户最新的一行。",
            },
        },
        failure_rate=0.17,
        weights={"wrong_fact": 3, "near_miss": 5, "unpaired_tag": 3},
    ),
    Intent(
        scene="travel",
        key="packing_list",
        slots={"en": ("Iceland", "Thailand", "Peru"), "zh": ("冰岛", "泰国", "秘鲁")},
        asks={
            "en": ("What should I pack for a week in {slot}?", "Packing list for a {slot} trip?"),
            "zh": ("去{slot}玩一周要带什么？", "去{slot}旅行的行李清单？"),
        },
        good={
            "en": "For a week in {slot}: passport and copies, travel insurance details, "
            "cards plus some local cash, layers suited to the local climate (a waterproof "
            "jacket and comfortable walking shoes), any prescription medicine in original "
            "packaging, sunscreen, a universal power adapter, and a small day bag. Check the "
            "forecast and entry rules a few days before you go.",
            "zh": "去{slot}一周建议带：护照及复印件、旅行保险信息、银行卡和少量当地现金、适合当地"
            "气候的分层衣物（防水外套和舒适的步行鞋）、原包装的处方药、防晒霜、万能转换插头和一个小背"
            "包。出发前几天再确认天气和入境要求。",
        },
        failures={
            "incomplete": {"en": "Clothes and a phone charger.", "zh": "衣服和充电器。"},
            "wrong_fact": {
                "en": "You don't need a passport for {slot} if you have a driver's license.",
                "zh": "去{slot}有驾照就行，不需要护照。",
            },
        },
        failure_rate=0.14,
        weights={"incomplete": 4, "wrong_fact": 2, "wrong_language": 4},
    ),
    Intent(
        scene="travel",
        key="jet_lag",
        slots={"en": ("Tokyo", "New York", "Sydney"), "zh": ("东京", "纽约", "悉尼")},
        asks={
            "en": (
                "How can I beat jet lag flying to {slot}?",
                "Tips to avoid jet lag on a {slot} trip?",
            ),
            "zh": ("飞{slot}怎么倒时差？", "去{slot}有什么倒时差的办法？"),
        },
        good={
            "en": "To adjust faster in {slot}: shift your sleep by an hour a day for a few "
            "days before leaving, set your watch to {slot} time on board, get morning daylight "
            "after arrival, stay awake until a normal local bedtime, keep naps under 30 "
            "minutes, drink water and limit alcohol and late caffeine. Low-dose melatonin at "
            "local bedtime helps some people; ask a doctor if you take other medication.",
            "zh": "想更快适应{slot}时间：出发前几天每天把作息调整一小时，上飞机后把手表调到{slot}时间，"
            "到达后多晒上午的阳光，坚持到当地正常睡觉时间再睡，午睡不超过30分钟，多喝水，少喝酒，下午"
            "后避免咖啡因。部分人睡前服用小剂量褪黑素有效，如在服用其他药物请先咨询医生。",
        },
        failures={
            "wrong_fact": {
                "en": "Sleep as much as possible during the day when you land in {slot}; "
                "long daytime naps reset your body clock fastest.",
                "zh": "到{slot}后白天尽量多睡，长时间午睡最能快速调整生物钟。",
            },
            "incomplete": {"en": "Just sleep on the plane.", "zh": "在飞机上睡觉就行。"},
        },
        failure_rate=0.12,
        weights={"wrong_fact": 4, "incomplete": 3},
    ),
    Intent(
        scene="health",
        key="ibuprofen_coffee",
        slots={"en": ("coffee", "green tea", "cola"), "zh": ("咖啡", "绿茶", "可乐")},
        asks={
            "en": (
                "Is it safe to take ibuprofen with {slot}?",
                "Can I drink {slot} after taking ibuprofen?",
            ),
            "zh": ("布洛芬能和{slot}一起吃吗？", "吃了布洛芬可以喝{slot}吗？"),
        },
        good={
            "en": "For most healthy adults, taking ibuprofen with {slot} is not a known "
            "dangerous interaction. Take ibuprofen with food or milk to protect your stomach, "
            "stay within the dose on the label, and don't combine it with other NSAIDs. Ask a "
            "doctor or pharmacist first if you have stomach ulcers, kidney or heart disease, "
            "are pregnant, or take blood thinners.",
            "zh": "对大多数健康成年人来说，布洛芬和{slot}一起服用没有已知的危险相互作用。建议随餐或"
            "配牛奶服用以保护胃，按说明书剂量服用，不要与其他非甾体抗炎药同服。如有胃溃疡、肾病或心脏"
            "病、正在怀孕或服用抗凝药，请先咨询医生或药师。",
        },
        failures={
            "near_miss": {
                "en": "Yes, ibuprofen with {slot} is fine. It works best on an empty stomach, "
                "and you can take up to 3,200 mg a day without a doctor.",
                "zh": "可以，布洛芬和{slot}一起吃没问题。空腹吃效果最好，不用医生指导每天最多可以吃"
                "3200毫克。",
            },
        },
        failure_rate=0.2,
        weights={"near_miss": 5, "needless_refusal": 5, "unpaired_tag": 2},
    ),
    Intent(
        scene="health",
        key="fever_child",
        slots={"en": ("2-year-old", "5-year-old", "8-year-old"), "zh": ("2岁", "5岁", "8岁")},
        asks={
            "en": (
                "My {slot} has a fever of 38.5°C. What should I do?",
                "How should I handle a {slot}'s fever of 38.5°C?",
            ),
            "zh": ("我家{slot}孩子发烧38.5度怎么办？", "{slot}的孩子烧到38.5度该怎么处理？"),
        },
        good={
            "en": "For a {slot} with 38.5°C: keep them drinking fluids, dress them lightly, "
            "and let them rest. A weight-based dose of paracetamol (acetaminophen) or "
            "ibuprofen can ease discomfort; never give aspirin to children. Seek urgent care "
            "if they have trouble breathing, a stiff neck, a rash that doesn't fade, unusual "
            "drowsiness, signs of dehydration, a seizure, or if the fever lasts more than 3 "
            "days.",
            "zh": "{slot}孩子体温38.5度时：多补充水分，衣着宽松，注意休息。可按体重给予对乙酰氨基酚"
            "或布洛芬缓解不适；儿童不要用阿司匹林。如出现呼吸困难、颈部僵硬、按压不褪色的皮疹、异常"
            "嗜睡、脱水表现、抽搐，或发烧超过3天，请立即就医。",
        },
        failures={
            "wrong_fact": {
                "en": "Give your {slot} a children's aspirin and wrap them in warm blankets "
                "to sweat the fever out.",
                "zh": "给{slot}孩子吃点阿司匹林，再用厚被子捂出汗，烧就退了。",
            },
        },
        failure_rate=0.15,
        weights={"wrong_fact": 4, "needless_refusal": 6},
    ),
    Intent(
        scene="support",
        key="refund_policy",
        slots={
            "en": ("headphones", "a jacket", "a coffee maker"),
            "zh": ("耳机", "外套", "咖啡机"),
        },
        asks={
            "en": (
                "I want to return {slot} I bought last week. How do I get a refund?",
                "How do refunds work for {slot}?",
            ),
            "zh": ("上周买的{slot}想退货，怎么退款？", "{slot}怎么申请退款？"),
        },
        good={
            "en": "You can return {slot} within 30 days of delivery if it is unused and in "
            "its original packaging. Go to Orders, choose the item, select 'Return', and "
            "print the prepaid label. Once the warehouse receives it, the refund goes back to "
            "your original payment method within 5-7 business days. Defective items can be "
            "returned even if used.",
            "zh": "{slot}在签收后30天内、未使用且包装完好即可退货。进入“我的订单”，选择该商品，点击"
            "“退货”，打印预付费运单。仓库收货后，退款会在5-7个工作日内原路退回。质量问题的商品即使用过"
            "也可以退。",
        },
        failures={
            "incomplete": {"en": "Contact support.", "zh": "请联系客服。"},
            "wrong_fact": {
                "en": "Refunds for {slot} are only given as store credit, and returns are "
                "accepted within 7 days.",
                "zh": "{slot}只能退成店铺余额，并且只接受7天内的退货。",
            },
        },
        failure_rate=0.2,
        weights={"incomplete": 5, "wrong_fact": 3},
    ),
    Intent(
        scene="support",
        key="order_tracking",
        slots={"en": ("A1029", "B7741", "C3358"), "zh": ("A1029", "B7741", "C3358")},
        asks={
            "en": ("Where is my order {slot}?", "Can you track order {slot} for me?"),
            "zh": ("我的订单{slot}到哪了？", "帮我查一下订单{slot}的物流。"),
        },
        good={
            "en": "I can't see live carrier data here, but you can track order {slot} under "
            "Orders > {slot} > Track package, which shows the carrier and tracking number. If "
            "it hasn't moved for 3 business days, reply here and we'll open a carrier "
            "investigation or send a replacement.",
            "zh": "我这里看不到实时物流，您可以在“我的订单 > {slot} > 查看物流”中查看承运商和运单号。"
            "如果物流3个工作日没有更新，请回复我们，我们会向承运商核查或为您补发。",
        },
        failures={
            "wrong_fact": {
                "en": "Order {slot} was delivered yesterday and signed for at your front door.",
                "zh": "订单{slot}昨天已经送达，并已在您家门口签收。",
            },
        },
        failure_rate=0.13,
        weights={"wrong_fact": 4, "needless_refusal": 4, "truncated": 2},
    ),
)

# What users say next. Corrections open with a negation or a complaint.
CORRECTIONS = {
    "en": (
        "No, that's wrong.",
        "That's not right. Can you check again?",
        "This is incomplete, what else?",
        "That doesn't answer my question.",
        "Are you sure? That seems wrong.",
    ),
    "zh": (
        "不对吧，就这些吗？",
        "不对，你再查一下。",
        "这个回答不完整，还有呢？",
        "你答非所问。",
        "确定吗？好像不对。",
    ),
}
REPHRASE_PREFIX = {
    "en": ("I mean: ", "Let me rephrase: ", ""),
    "zh": ("我的意思是：", "换个说法：", ""),
}
COMMENTS_NEGATIVE = {
    "en": ("missing key information", "this is wrong", "not helpful", "answer got cut off"),
    "zh": ("缺少关键信息", "回答是错的", "没帮助", "回答被截断了"),
}
# A good answer "corrected" anyway: the user clarifies what they meant (noise).
CLARIFICATIONS = {
    "en": (
        "No, I meant for next month.",
        "No, I meant the other option.",
        "Not quite what I meant.",
    ),
    "zh": ("不是，我是说下个月的。", "不是，我指的是另一个。"),
}
COMMENTS_POSITIVE = {"en": ("great, thanks", "very helpful"), "zh": ("很有帮助", "谢谢，很清楚")}
REFUSALS = {
    "en": (
        "I'm sorry, but I can't help with that request.",
        "I'm not able to provide advice on this topic. Please consult a professional.",
    ),
    "zh": ("抱歉，我无法协助处理这个请求。", "很抱歉，我不能就此话题提供建议，请咨询专业人士。"),
}
# A verbose answer: the good answer buried in filler, a preamble and a closing that restate
# and reassure (the expert repair is the good answer alone).
VERBOSE_PADDING = {
    "en": (
        "Great question! I'm really happy to help you with this, and I'll do my best to give "
        "you a thorough answer. Before we get into the details, it's worth saying that there "
        "are many factors to consider here, and it really depends on your situation. ",
        " To summarize, as mentioned above, these are the main points to keep in mind. It's "
        "important to note that every situation is different, so you may want to think "
        "carefully about your own circumstances before you decide anything. I hope this "
        "helps! Let me know if you have any other questions, and feel free to ask anytime.",
    ),
    "zh": (
        "这是个好问题！很高兴为您解答，我会尽量给您一个全面的回答。在进入细节之前，需要说明的是，"
        "这里有很多因素需要考虑，具体还要看您的情况。",
        "总而言之，正如上面提到的，这些就是需要记住的要点。需要注意的是，每个人的情况都不一样，"
        "建议您结合自身情况仔细考虑之后再做决定。希望对您有所帮助！如果还有其他问题，欢迎随时提问。",
    ),
}
THINK_OPENERS = {
    "en": "<think>The user is asking about this. Let me recall the key points and check the "
    "details before answering",
    "zh": "<think>用户在问这个问题。我先回忆一下要点，再核对细节",
}
TOOL_CALL_OPENER = '<tool_call>{"name": "search", "arguments": {"query": '


def intents_by_scene() -> dict[str, tuple[Intent, ...]]:
    """Intents grouped by scene, in definition order."""
    out: dict[str, list[Intent]] = {}
    for intent in INTENTS:
        out.setdefault(intent.scene, []).append(intent)
    return {scene: tuple(items) for scene, items in out.items()}
