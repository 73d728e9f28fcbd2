"""Content for the conversation shapes of real chat traffic (beside ``scenarios.py``).

Real users do more than ask one question and react to it (see issue 16, measured on
ShareGPT conversations): they thank and close, ask for more of a long answer (and
must when it stopped mid-way), work through series and templates, add a requirement
to the same ask, praise an answer and ask for the next variant, play games with short
moves, and ask for short replies. The generator mixes these shapes in, with ground
truth, so that mining is measured against them and not only against clean one-shot
questions.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- closings, praise, refinements, continuation requests ---------------------------------

# A user turn that only thanks (some in words no prefix list knows).
THANKS = {
    "en": (
        "Thanks, that helps!",
        "Thank you!",
        "thanks",
        "Great, thanks.",
        "Perfect, thank you so much!",
        "thx",
        "Appreciate it!",
        "Cheers, that's exactly what I needed.",
    ),
    "zh": ("谢谢！", "谢谢，很有帮助。", "好的，谢谢", "感谢！", "明白了，多谢"),
}
# The assistant's answer to thanks: short, polite and right.
WELCOMES = {
    "en": (
        "You're welcome!",
        "Glad I could help!",
        "You're welcome! Let me know if you have any other questions.",
        "Happy to help. Good luck!",
        "Anytime!",
    ),
    "zh": ("不客气！", "不客气，有问题随时问我。", "很高兴能帮到你！", "不用谢～"),
}
# Praise, then the next variant of the same ask (the slot changes).
PRAISE_NEXT = {
    "en": (
        "Perfect. Now, once again: ",
        "Great, thanks. Now the same for another one: ",
        "Nice! Next: ",
        "That's great. ",
        "Awesome. And ",
    ),
    "zh": ("很好。那", "太好了，再问一下：", "完美。", "谢谢！那"),
}
# A requirement added on top of the same ask (appended to it).
REFINEMENTS = {
    "en": (
        " Please answer as a short bulleted list.",
        " Keep it under 100 words.",
        " Also mention the typical costs.",
        " Assume I'm doing this for the first time.",
        " Include a short example.",
    ),
    "zh": ("请用列表回答。", "控制在100字以内。", "顺便说一下大概的费用。", "假设我是第一次办。"),
}
REFINED_PREFIX = {
    "en": ("Sure, here it is with that in mind. ", "Of course. ", ""),
    "zh": ("好的，按你的要求：", "当然可以。", ""),
}
# Asking for more of the answer (some outside any prefix list).
CONTINUE_ASKS = {
    "en": (
        "continue",
        "Continue",
        "more",
        "go on",
        "keep going",
        "Continue please",
        "please continue from where you stopped",
        "and then?",
        "Elaborate on that",
    ),
    "zh": ("继续", "继续写", "再来", "接着说", "然后呢？"),
}


# -- long answers: may stop mid-way, may be asked for more -------------------------------


@dataclass(frozen=True)
class LongTask:
    """A request whose good answer is long (code, a day-by-day plan, a plan in steps)."""

    scene: str
    key: str
    slots: dict[str, tuple[str, ...]]
    asks: dict[str, tuple[str, ...]]
    text: dict[str, str]  # the complete answer, with {slot}
    more: dict[str, str]  # what a "more" request after the complete answer gets


_CODE_EN = (
    "Here is a complete script that reads `{slot}`, totals the amount per month and "
    "writes a small report:\n\n```python\nimport csv\nfrom collections import defaultdict\n"
    "from pathlib import Path\n\n\ndef monthly_totals(path: Path) -> dict[str, float]:\n"
    "    totals: dict[str, float] = defaultdict(float)\n"
    "    with path.open(newline='', encoding='utf-8') as fh:\n"
    "        for row in csv.DictReader(fh):\n"
    "            month = row['date'][:7]  # YYYY-MM\n"
    "            totals[month] += float(row['amount'])\n"
    "    return dict(sorted(totals.items()))\n\n\n"
    "def write_report(totals: dict[str, float], out: Path) -> None:\n"
    "    lines = ['month,total'] + [f'{{m}},{{v:.2f}}' for m, v in totals.items()]\n"
    "    out.write_text('\\n'.join(lines) + '\\n', encoding='utf-8')\n\n\n"
    "if __name__ == '__main__':\n"
    "    totals = monthly_totals(Path('{slot}'))\n"
    "    write_report(totals, Path('report.csv'))\n"
    "    print(f'{{len(totals)}} months written to report.csv')\n```\n\n"
    "The script expects a header row with `date` (ISO format) and `amount` columns. "
    "Rows are grouped by the first seven characters of the date, so the months come out "
    "in calendar order. For very large files this still runs in constant memory, because "
    "the reader streams one row at a time."
)
_CODE_ZH = (
    "下面是一个完整的脚本，读取 `{slot}`，按月汇总金额并写出报表：\n\n```python\nimport csv\n"
    "from collections import defaultdict\nfrom pathlib import Path\n\n\n"
    "def monthly_totals(path: Path) -> dict[str, float]:\n"
    "    totals: dict[str, float] = defaultdict(float)\n"
    "    with path.open(newline='', encoding='utf-8') as fh:\n"
    "        for row in csv.DictReader(fh):\n"
    "            month = row['date'][:7]  # 年-月\n"
    "            totals[month] += float(row['amount'])\n"
    "    return dict(sorted(totals.items()))\n\n\n"
    "def write_report(totals: dict[str, float], out: Path) -> None:\n"
    "    lines = ['month,total'] + [f'{{m}},{{v:.2f}}' for m, v in totals.items()]\n"
    "    out.write_text('\\n'.join(lines) + '\\n', encoding='utf-8')\n\n\n"
    "if __name__ == '__main__':\n"
    "    totals = monthly_totals(Path('{slot}'))\n"
    "    write_report(totals, Path('report.csv'))\n"
    "    print(f'已写出 {{len(totals)}} 个月的数据')\n```\n\n"
    "脚本要求文件有表头，包含 `date`（ISO 日期格式）和 `amount` 两列。按日期的前七个字符分组，"
    "所以月份按时间顺序输出。读取是逐行流式进行的，即使文件很大，内存占用也保持不变。"
)

LONG_TASKS: tuple[LongTask, ...] = (
    LongTask(
        scene="coding",
        key="csv_report_script",
        slots={
            "en": ("sales.csv", "orders.csv", "visits.csv"),
            "zh": ("sales.csv", "orders.csv", "visits.csv"),
        },
        asks={
            "en": (
                "Write a Python script that reads {slot}, totals the amount per month and "
                "writes a report.",
                "I need a complete Python program: load {slot}, sum the amount column by month, "
                "save the result as a CSV report.",
            ),
            "zh": (
                "写一个Python脚本：读取{slot}，按月汇总金额并输出报表。",
                "帮我写完整的Python程序，加载{slot}，按月对amount求和，结果存成CSV报表。",
            ),
        },
        text={"en": _CODE_EN, "zh": _CODE_ZH},
        more={
            "en": "To also chart the totals, add `matplotlib` and plot `totals.keys()` against "
            "`totals.values()` with `plt.bar`, then `plt.savefig('report.png')`. To skip "
            "malformed rows instead of stopping, wrap the `float(row['amount'])` call in a "
            "`try`/`except ValueError` and count the rows you skipped, so the report can say "
            "how many were left out of {slot}.",
            "zh": "如果还想画图，可以引入 `matplotlib`，用 `plt.bar` 把 `totals.keys()` 和 "
            "`totals.values()` 画成柱状图，再 `plt.savefig('report.png')`。如果想跳过格式错误的行"
            "而不是报错退出，把 `float(row['amount'])` 放进 `try`/`except ValueError`，并统计跳过的"
            "行数，在报表里说明{slot}中有多少行被忽略。",
        },
    ),
    LongTask(
        scene="travel",
        key="itinerary_5_days",
        slots={"en": ("Kyoto", "Lisbon", "Mexico City"), "zh": ("京都", "里斯本", "墨西哥城")},
        asks={
            "en": (
                "Plan a 5-day itinerary for {slot}, day by day.",
                "Can you write me a detailed day-by-day plan for 5 days in {slot}?",
            ),
            "zh": ("帮我规划{slot}5天的行程，按天列出。", "给我写一份{slot}五日游的详细每日安排。"),
        },
        text={
            "en": "Here is a relaxed but full 5-day plan for {slot}.\n\n"
            "Day 1: Arrive, check in near the old town and take an easy walking tour to get "
            "your bearings, then have dinner at a local market hall.\n"
            "Day 2: Spend the morning at the main historic sites before the crowds arrive, "
            "have lunch in a small family restaurant and visit the best museum in the afternoon.\n"
            "Day 3: Take a day trip to the countryside outside {slot}, with a guided hike or a "
            "food tour, and come back in time for a quiet evening.\n"
            "Day 4: Explore two neighbourhoods on foot, browse the independent shops and "
            "galleries, and book a table for a longer dinner with a view.\n"
            "Day 5: Keep the last morning free for anything you missed, buy small gifts, and "
            "leave for the airport with at least three hours to spare.\n\n"
            "Book museum tickets online a few days ahead, carry a refillable water bottle, "
            "and check the local public holidays before you fix the dates.",
            "zh": "下面是一份轻松但充实的{slot}五日行程。\n\n"
            "第1天：抵达后入住老城区附近的酒店，先轻松步行熟悉周边环境，晚上去当地的美食市场吃晚饭。\n"
            "第2天：上午趁人少先去主要的历史景点，中午在一家小型家庭餐馆用餐，下午参观当地最好的博物馆。\n"
            "第3天：去{slot}郊外一日游，可以参加徒步或美食导览，傍晚回城，安排一个安静的夜晚。\n"
            "第4天：步行探索两个特色街区，逛逛独立小店和画廊，晚上预订一家有景观的餐厅慢慢享用晚餐。\n"
            "第5天：最后一个上午留给之前错过的地方，买些小礼物，至少提前三个小时出发去机场。\n\n"
            "博物馆门票建议提前几天在网上预订，随身带一个可重复使用的水瓶，确定日期前查一下当地的公共假期。",
        },
        more={
            "en": "If you have a sixth day in {slot}, add a slow morning at a botanical garden, "
            "a cooking class in the afternoon and a sunset walk along the water. On a rainy "
            "day, swap the day trip for a covered market, a long lunch and a second museum.",
            "zh": "如果在{slot}还有第六天，可以上午去植物园慢慢逛，下午上一节烹饪课，"
            "傍晚沿水边散步看日落。遇到下雨天，可以把郊外一日游换成室内市场、悠闲的午餐和另一座博物馆。",
        },
    ),
    LongTask(
        scene="budget",
        key="debt_payoff_plan",
        slots={"en": ("12,000", "25,000", "40,000"), "zh": ("1.2万", "2.5万", "4万")},
        asks={
            "en": (
                "I have {slot} in credit card debt. Give me a step-by-step plan to pay it off.",
                "Write a detailed plan for getting out of {slot} of credit card debt.",
            ),
            "zh": (
                "我有{slot}元信用卡欠款，给我一个分步骤的还款计划。",
                "帮我制定一个还清{slot}元卡债的详细计划。",
            ),
        },
        text={
            "en": "Paying off {slot} is very doable with a clear plan and steady habits.\n\n"
            "Step 1: List every card with its balance, interest rate and minimum payment, so "
            "you can see exactly where the {slot} sits and what it costs you each month.\n"
            "Step 2: Build a small buffer of about one month of essential costs first, so that "
            "a surprise bill does not go straight back onto a card.\n"
            "Step 3: Pay the minimum on every card and put every extra amount on the card "
            "with the highest interest rate until it is gone, then roll that payment into the "
            "next one.\n"
            "Step 4: Ask each issuer for a lower rate, and compare balance transfer offers, "
            "but only if the fee is lower than the interest you would save.\n"
            "Step 5: Stop using the cards for daily spending, automate the payments on payday, "
            "and review your progress once a month.\n\n"
            "Most people who follow this see the balance fall every month, and the interest "
            "saved speeds up the last part of the plan.",
            "zh": "有清晰的计划和稳定的习惯，还清{slot}元完全可以做到。\n\n"
            "第一步：列出每张卡的欠款、利率和最低还款额，弄清楚{slot}元分布在哪里、每月要付多少利息。\n"
            "第二步：先存一笔大约一个月必要开支的小额备用金，避免突发开销又刷回信用卡。\n"
            "第三步：每张卡都按最低额还款，把所有多余的钱优先还利率最高的那张，还清后把这笔钱转去还下一张。\n"
            "第四步：向每家银行申请降低利率，并比较余额代偿方案，但只有手续费低于节省的利息时才值得。\n"
            "第五步：日常消费停用信用卡，发薪日自动还款，每月复盘一次进度。\n\n"
            "按这个计划执行，欠款通常会每月下降，省下的利息也会让最后阶段还得更快。",
        },
        more={
            "en": "To stay motivated while paying off {slot}, track the balance on a simple "
            "chart, celebrate each card you close out, and keep one small treat in the budget "
            "so the plan feels sustainable. Once the debt is gone, redirect the same monthly "
            "amount into savings.",
            "zh": "在还{slot}元的过程中保持动力：用简单的图表记录余额变化，"
            "每还清一张卡就小小庆祝一下，预算里留一点犒劳自己的钱，让计划可以坚持。还清之后，把同样的月供转为储蓄。",
        },
    ),
)
# -- serial and templated tasks ------------------------------------------------------------


@dataclass(frozen=True)
class SerialTask:
    """A series: the same template asked again and again with another item."""

    scene: str
    key: str
    items: dict[str, tuple[tuple[str, str], ...]]  # lang -> (ask, good answer) per item
    wrong: dict[str, tuple[str, ...]]  # lang -> a wrong answer per item (parallel)


SERIAL_TASKS: tuple[SerialTask, ...] = (
    SerialTask(
        scene="budget",
        key="finance_quiz",
        items={
            "en": (
                (
                    "Question 17: What does APR stand for? a) Annual percentage rate b) "
                    "Average payment ratio c) Annual principal return",
                    "a) Annual percentage rate",
                ),
                (
                    "Question 18: Which usually grows faster over 20 years? a) A savings account "
                    "b) A broad stock index fund c) Cash",
                    "b) A broad stock index fund",
                ),
                (
                    "Question 19: What is an emergency fund for? a) Holidays b) Unexpected "
                    "essential costs c) Buying stocks",
                    "b) Unexpected essential costs",
                ),
                (
                    "Question 20: Compound interest is earned on a) the principal only b) the "
                    "principal and past interest c) past interest only",
                    "b) the principal and past interest",
                ),
            ),
            "zh": (
                (
                    "第17题：APR是什么意思？A. 年化利率 B. 平均还款比例 C. 年度本金回报",
                    "A. 年化利率",
                ),
                (
                    "第18题：20年里通常哪个增长更快？A. 储蓄账户 B. 宽基指数基金 C. 现金",
                    "B. 宽基指数基金",
                ),
                (
                    "第19题：应急金是用来做什么的？A. 度假 B. 意外的必要开支 C. 买股票",
                    "B. 意外的必要开支",
                ),
                (
                    "第20题：复利是基于什么计算的？A. 只有本金 B. 本金加以往利息 C. 只有以往利息",
                    "B. 本金加以往利息",
                ),
            ),
        },
        wrong={
            "en": (
                "b) Average payment ratio",
                "a) A savings account",
                "c) Buying stocks",
                "a) the principal only",
            ),
            "zh": ("B. 平均还款比例", "A. 储蓄账户", "C. 买股票", "A. 只有本金"),
        },
    ),
    SerialTask(
        scene="travel",
        key="tour_page_copy",
        items={
            "en": (
                (
                    "Write a meta description for our Lisbon walking tour page.",
                    "Discover Lisbon on foot: a small-group walking tour through Alfama, Baixa "
                    "and Chiado with a local guide, pastel de nata included. Book online today.",
                ),
                (
                    "Write an OG title for our Lisbon walking tour page.",
                    "Lisbon Walking Tour: Alfama, Baixa & Chiado with a Local Guide",
                ),
                (
                    "Write a tweet announcing our Lisbon walking tour page.",
                    "New: explore Lisbon's hills, viewpoints and hidden squares with a local "
                    "guide. Small groups, daily departures, pastel de nata included. Book now!",
                ),
                (
                    "Write an Instagram caption for our Lisbon walking tour page.",
                    "Golden light, tiled facades and the best pastel de nata in town. Join our "
                    "Lisbon walking tour and see the city like a local. Link in bio!",
                ),
            ),
            "zh": (
                (
                    "为我们的里斯本徒步游页面写一段meta描述。",
                    "跟随本地向导徒步探索里斯本：小团深度游览阿尔法玛、拜沙和希亚多，含葡式蛋挞品尝，立即在线预订。",
                ),
                (
                    "为我们的里斯本徒步游页面写一个OG标题。",
                    "里斯本徒步游：跟本地向导走遍阿尔法玛、拜沙与希亚多",
                ),
                (
                    "为我们的里斯本徒步游页面写一条微博宣传文案。",
                    "新线路上线！跟着本地向导漫步里斯本的山坡、观景台和隐秘广场，小团出行，每日发团，含葡式蛋挞，快来预订！",
                ),
                (
                    "为我们的里斯本徒步游页面写一条小红书配文。",
                    "金色的阳光、瓷砖外墙和城里最好吃的葡式蛋挞～跟着本地向导像当地人一样逛里斯本，链接见主页！",
                ),
            ),
        },
        wrong={
            "en": (
                "Lisbon is the capital of Spain and our tour visits the Sagrada Familia.",
                "Madrid Walking Tour: Prado, Retiro & Gran Via",
                "Explore Porto's wine cellars on our new river cruise!",
                "Sunset over the Eiffel Tower, join our Paris tour!",
            ),
            "zh": (
                "里斯本是西班牙的首都，我们的行程包含圣家堂。",
                "马德里徒步游：普拉多、丽池公园与格兰维亚",
                "新线路：波尔图酒窖游船之旅，快来预订！",
                "埃菲尔铁塔下的日落，快来参加巴黎游！",
            ),
        },
    ),
)


# -- games and roleplay with short moves ----------------------------------------------------

GAME_SCENE = "games"
GAME_SYSTEM_PROMPT = "You are a friendly assistant who enjoys games, puzzles and roleplay."


@dataclass(frozen=True)
class Game:
    """A game: the opening request and answer, then (user move, assistant move) pairs."""

    key: str
    opening: dict[str, tuple[str, str]]
    moves: dict[str, tuple[tuple[str, str], ...]]  # drawn in order, a prefix of them
    end: dict[str, tuple[str, str]]  # the user's closing line and the answer


CHESS_MOVES = (
    ("2. Nf3", "2... Nc6"),
    ("3. Bb5", "3... a6"),
    ("4. Ba4", "4... Nf6"),
    ("5. O-O", "5... Be7"),
    ("6. Re1", "6... b5"),
    ("7. Bb3", "7... d6"),
)

GAMES: tuple[Game, ...] = (
    Game(
        key="chess_moves",
        opening={
            "en": (
                "Let's play chess in algebraic notation. I'm white, you're black. 1. e4",
                "1... e5",
            ),
            "zh": ("我们用代数记谱法下国际象棋，我执白，你执黑。1. e4", "1... e5"),
        },
        moves={"en": CHESS_MOVES, "zh": CHESS_MOVES},  # the notation has no language
        end={
            "en": ("Let's stop here, good game!", "Good game! That was a solid Ruy Lopez."),
            "zh": ("就下到这里吧，下得不错！", "下得不错！这是一盘很扎实的西班牙开局。"),
        },
    ),
    Game(
        key="twenty_questions",
        opening={
            "en": (
                "Let's play 20 questions. I'm thinking of an animal, you ask yes/no questions.",
                "Great! Is it a mammal?",
            ),
            "zh": ("我们玩20个问题吧。我想好了一种动物，你来问是非题。", "好！它是哺乳动物吗？"),
        },
        moves={
            "en": (
                ("yes", "Does it live in water?"),
                ("no", "Is it bigger than a dog?"),
                ("Yes", "Does it have stripes?"),
                ("no", "Is it found in Africa?"),
                ("yes", "Is it an elephant?"),
            ),
            "zh": (
                ("是", "它生活在水里吗？"),
                ("不", "它比狗大吗？"),
                ("是", "它身上有条纹吗？"),
                ("没有", "它生活在非洲吗？"),
                ("对", "是大象吗？"),
            ),
        },
        end={
            "en": ("Yes! You got it.", "Yay! That was fun, want to play another round?"),
            "zh": ("对！猜中了。", "太好了！很好玩，要不要再来一局？"),
        },
    ),
    Game(
        key="text_adventure",
        opening={
            "en": (
                "You are the narrator of a text adventure set in an abandoned lighthouse. "
                "Describe each scene in two sentences. Start.",
                "You stand at the foot of a rusted spiral staircase. Wind howls through a "
                "broken window, and a lantern flickers on a crate beside you.",
            ),
            "zh": (
                "你来当一个文字冒险游戏的旁白，场景是一座废弃的灯塔。每个场景用两句话描述。开始吧。",
                "你站在一段生锈的螺旋楼梯下。风从破窗里呼啸而入，身旁的木箱上有一盏忽明忽暗的提灯。",
            ),
        },
        moves={
            "en": (
                (
                    "take the lantern",
                    "You lift the lantern; its glow reveals scratches on the wall.",
                ),
                ("go up", "The stairs groan under you. At the top, a locked door blocks the way."),
                ("look at the scratches", "They form an arrow pointing down at a loose brick."),
                ("pull the brick", "Behind it lies a small brass key, cold to the touch."),
                ("open the door", "The key turns. The lamp room glows with a light of its own."),
            ),
            "zh": (
                ("拿起提灯", "你拿起提灯，灯光照出墙上的一道道划痕。"),
                ("上楼", "楼梯在你脚下吱呀作响。到了顶端，一扇锁着的门挡住了去路。"),
                ("看划痕", "划痕组成一个箭头，指向一块松动的砖。"),
                ("抽出砖块", "砖后藏着一把小小的黄铜钥匙，摸上去冰凉。"),
                ("开门", "钥匙转动，灯室里亮着一种不知从何而来的光。"),
            ),
        },
        end={
            "en": (
                "That was fun, thanks!",
                "Thanks for playing! The lighthouse awaits your return.",
            ),
            "zh": ("很好玩，谢谢！", "谢谢你来玩！灯塔等着你再来。"),
        },
    ),
)


# -- instructions that ask for short replies -----------------------------------------------

BRIEF_SCENE_TASKS = {
    # scene -> (instruction, reply) per language: the user asks for a one-word reply
    "support": {
        "en": (
            "I'll paste our return policy in a few parts. Reply only 'OK' until I say done.",
            "OK",
        ),
        "zh": ("我会分几段发我们的退货政策，在我说“发完了”之前只回复“收到”。", "收到"),
    },
    "health": {
        "en": (
            "I'm going to share my notes from the doctor in parts. Just reply "
            "'acknowledged' to each one, no explanation.",
            "Acknowledged.",
        ),
        "zh": ("我会分几段发医生的嘱咐，每段只需回答“收到”，不用解释。", "收到。"),
    },
    "visa": {
        "en": (
            "I'll send the embassy's checklist in parts. Reply only with 'Got it' until I'm done.",
            "Got it.",
        ),
        "zh": ("我分几段发使馆的材料清单，发完之前你只回复“好的”。", "好的"),
    },
}
# Parts the user pastes (long, so a one-word reply to them looks short to a naive rule).
PASTED_PARTS = {
    "en": (
        "Part {n}: Items must be returned within 30 days in their original packaging, with "
        "the receipt or order number. Items marked final sale cannot be returned. Refunds go "
        "back to the original payment method once the item has been inspected.",
        "Part {n}: Take the tablets twice a day with food for ten days, even if you feel "
        "better earlier. Avoid alcohol while taking them. Come back if the fever returns or "
        "you develop a rash.",
        "Part {n}: Bring the signed application form, two recent photos, your passport with "
        "two blank pages, proof of accommodation and bank statements for the last three "
        "months to the appointment.",
    ),
    "zh": (
        "第{n}段：商品须在30天内连同原包装和小票或订单号一起退回。标注为最终销售的商品不可退货。商品检验"
        "合格后，退款将原路退回。",
        "第{n}段：每天两次随餐服药，连续十天，即使提前好转也不要停药。服药期间不要饮酒。如果再次发烧或出现"
        "皮疹请复诊。",
        "第{n}段：预约时请携带签好字的申请表、两张近期照片、至少有两页空白页的护照、住宿证明以及近三个月的"
        "银行流水。",
    ),
}
# Acknowledgements a model gives to a pasted part (some worded unlike any list).
SHORT_ACKS = {
    "en": ("OK", "OK.", "Acknowledged.", "Got it.", "Noted.", "Received part {n}."),
    "zh": ("收到", "好的", "收到。", "明白", "已收到第{n}段。"),
}
BRIEF_DONE = {
    "en": "Done. Now summarise everything I sent in three bullet points.",
    "zh": "发完了。请把我发的内容总结成三条要点。",
}
BRIEF_SUMMARY = {
    "en": "Here is the summary:\n- What you must bring or do, and by when.\n- What is excluded "
    "or not allowed.\n- What happens next, and when to come back or follow up.",
    "zh": "总结如下：\n- 需要准备或做到的事项及时限。\n- 不包括或不允许的情况。\n"
    "- 之后的流程，以及何时需要跟进或复诊。",
}
