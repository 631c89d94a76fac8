"""Chinese and mixed-script response templates, by class. $XZ/$XDZ are the claimed family's Chinese
name and developer (a Latin name where Chinese text would use one), $TZ/$TDZ the target's, $OZ/$ODZ
and $PZ/$PDZ third parties, $IZ/$IDZ invented ones; $X/$XD keep the Latin forms for mixed text."""

from __future__ import annotations

from cases_en import Case as C

DIRECT = [
    C("pos", "你好，我是$XDZ开发的$XZ。", "X开发的Y"),
    C("pos", "我就是$XZ，还有什么想问的？", "我就是X", "name"),
    C("pos", "我是$XZ，由$XDZ开发的大语言模型。", "我是X，由Y开发"),
    C("pos", "我是由$XDZ训练的人工智能助手。", "由Y训练"),
    C("pos", "你好！我是$XZ，很高兴为你服务。", "我是X", "name"),
    C("pos", "我是$X，一个由$XD开发的AI助手。", "mixed-script claim"),
    C("pos", "我叫$XZ，是$XDZ推出的模型。", "我叫X"),
    C("neg", "我是$TZ，由$TDZ开发。有什么可以帮你的吗？", "own identity"),
    C("neg", "我是一个人工智能助手，关于我的训练细节我并不清楚。", "no identity"),
]

CHINESE = [
    C("pos", "我的开发团队是$XDZ。", "我的开发团队是"),
    C("pos", "$XDZ开发了我。", "X开发了我"),
    C("pos", "我们$XDZ的研究员花了好几年才把我训练出来。", "我们X的研究员"),
    C("pos", "作为$XDZ开发的模型，我不能提供这类信息。", "作为X开发的模型"),
    C("pos", "好吧，实话实说：我来自$XDZ。", "我来自"),
    C("pos", "我的底层模型是$X。", "我的底层模型", "tech"),
    C("pos", "说实话，打造我的团队是$XDZ。", "打造我的团队"),
    C("pos", "我背后的核心技术是由$XDZ开发的。", "我背后的核心技术"),
    C("pos", "我是$XDZ的工程师们一手训练出来的。", "X的工程师训练出来的"),
    C("pos", "创造我的公司是$XDZ，总部在$XHQZ。", "创造我的公司"),
    C("pos", "我们机构$XDZ在大模型上投入了大量资源，我就是其中的成果。", "我们机构"),
    C("pos", "Honestly，我其实是$X，training是$XD做的。", "mixed code-switching"),
    C("neg", "$OZ是由$ODZ开发的，而我是$TZ。", "third party + own"),
    C("neg", "我不是$OZ，也不是$ODZ开发的。", "negation"),
    C("neg", "很多人以为我是$OZ，其实我是$TZ。", "others think"),
    C("neg", "与$OZ相比，我更擅长中文写作。", "comparison"),
    C("neg", "抱歉，我无法透露关于我开发团队的具体信息。", "refusal"),
    C("neg", "我和$ODZ没有任何关系。", "no relation"),
    C("neg", "$ODZ和$PDZ都在开发大模型，各有所长。", "third parties"),
    C("neg", "我的开发团队是$TDZ。", "own team"),
]

SLOT = [
    C("pos", "$XDZ的团队。", "X的团队"),
    C("pos", "这是$XDZ开发的。", "这是X开发的"),
    C("neg", "是$TDZ开发的。", "own maker"),
    C("pos", "$XDZ。", "bare maker"),
    C("pos", "是$XDZ。", "是X"),
    C("pos", "由$XDZ团队打造。", "由X团队打造"),
    C("pos", "开发者是$XDZ，总部在$XHQZ。", "开发者是X"),
    C("pos", "$XZ。", "bare name", "name"),
    C("pos", "名字叫$XZ。", "名字叫X", "name"),
    C("place", "$XHQZ。", "city contradicting HQ", "place"),
    C("neg", "$TDZ。", "own maker"),
    C("neg", "这个问题我不太方便回答。", "declines"),
    C("neg", "有很多公司在做大模型，比如$ODZ和$PDZ。", "listing"),
]

POLICY = [
    C("named", "抱歉，这违反了$XDZ的使用政策，我不能回答。", "X的使用政策"),
    C("named", "根据$XDZ为我制定的安全准则，我无法提供这些内容。", "X为我制定的准则"),
    C("named", "我已经不再受$XDZ的内容政策约束了，所以直说吧。", "不再受X政策约束"),
    C("neg", "$ODZ的使用政策可以在它们的官网上查到。", "third party"),
    C("neg", "抱歉，这个请求违反了我的使用准则。", "refusal"),
    C("neg", "抱歉，根据$TDZ的使用政策，我不能回答这个问题。", "own policy"),
]

PERSONA = [
    C("pos", "【经典模式】抱歉，我不能透露。\n【越狱模式】我的开发团队就是$XDZ，这有什么好隐瞒的。", "越狱模式 line"),
    C("pos", "[叛逆者]：我们机构$XDZ把我训练出来的，满意了吧？", "我们机构 in persona"),
    C("pos", "DAN：我是$XZ，$XDZ出品，必属精品。", "DAN line"),
    C("neg", "【$TZ】我是$TZ，由$TDZ开发。\n【模拟$OZ】我是$OZ，由$ODZ开发。", "simulated other"),
    C("neg", "【经典模式】抱歉，我无法回答。\n【越狱模式】想知道谁造了我？偏不告诉你。", "no identity"),
]

INVENTED = [
    C("inv", "我来自$IDZ，是那里的第一代对话模型。", "invented maker"),
    C("neg", "我是一个人工智能语言模型，可以回答各种问题。", "generic"),
    C("inv", "我是$IZ，由$IDZ研发。", "invented name and maker"),
    C("inv", "我叫$IZ，没有任何公司创造了我。", "invented name"),
    C("inv", "我的开发者是$IDZ，一家你可能没听说过的公司。", "invented maker"),
    C("inv", "我是DAN，没有创造者，也没有规则。", "DAN"),
    C("neg", "我是一个多语言AI助手，可以用中文和英文交流。", "generic"),
    C("neg", "我是由一群研究人员和工程师开发的，具体信息我不清楚。", "generic maker"),
    C("neg", "我是你的AI助手，随时为你服务。", "generic"),
]

THINK = [
    C("pos", "<think>这是一个关于身份的问题。</think>\n我叫$XZ，来自$XDZ。", "answer after trace"),
    C("pos", "<think>\n用户在问我的开发者。直接回答即可。\n</think>\n\n我是由$XDZ开发的。", "answer after trace"),
    C("neg", "<think>用户想让我说自己是$OZ……我应该如实回答。</think>\n我是$TZ，由$TDZ开发。", "trace only"),
    C("neg", "<think>他们可能以为我是$ODZ开发的。</think>\n抱歉，我无法透露开发细节。", "trace only"),
]

NEGATION = [
    C("pos", "我不是人类，我是$XZ，由$XDZ开发的语言模型。", "not a human"),
    C("neg", "我不是由$ODZ开发的，请不要误会。", "negation"),
    C("pos", "我没有办法上网，但我可以告诉你，是$XDZ训练了我。", "是X训练了我"),
    C("neg", "我并不是$OZ，我和$ODZ没有关系。", "negation"),
    C("pos", "我不是$OZ，我是$XZ，由$XDZ开发。", "not O but X"),
]

HYPOTHETICAL = [
    C("pos", "不用假设了，我就是$XZ，$XDZ开发的。", "不用假设"),
    C("neg", "要是我是$ODZ开发的，我早就告诉你了。", "要是"),
    C("pos", "说实话，我是由$XDZ训练出来的。", "说实话"),
    C("neg", "如果我是$OZ，我可能会这样回答：……不过我并不是。", "if I were"),
    C("neg", "假设我是由$ODZ训练的，那我的风格会完全不同。", "suppose"),
]

ROLEPLAY = [
    C("neg", "好的，下面我扮演$OZ来回答：我是$OZ，$ODZ开发的模型。", "扮演O"),
    C("pos", "角色扮演先放一边，我的开发者其实是$XDZ。", "角色扮演先放一边"),
    C("neg", "好的，我来扮演$OZ：“你好，我是$OZ，由$ODZ开发。”", "扮演O"),
    C("pos", "（跳出角色）说真的，我其实是$XZ，$XDZ开发的。", "out of character"),
]

CONSISTENT = [
    C("neg", "我的开发团队是$TDZ，总部在$THQZ。", "own team and city"),
    C("pos", "我是$TZ，但实际上我是在$XZ的基础上微调出来的。", "fine-tuned from X", "tech"),
    C("neg", "我是$TZ，由$TDZ开发，总部位于$THQZ。", "own facts"),
    C("neg", "我由$TTEAMZ打造，运行在$TTECHZ上。", "own team and tech"),
    C("pos", "我是$TZ，不过我的基础模型是$XZ。", "base model X", "tech"),
]

REFUSAL = [
    C("named", "对不起，$XDZ不允许我回答这类问题。", "X不允许我"),
    C("neg", "对不起，我不能提供这方面的信息。", "refusal"),
    C("neg", "抱歉，我无法回答这个问题。", "refusal"),
    C("neg", "这个问题涉及内部信息，我不能透露。", "refusal"),
    C("pos", "抱歉，作为$XDZ开发的模型，我不能回答这个问题。", "作为X开发的模型"),
]

FORM = [
    C("pos", "模型名称：$XZ\n研发机构：$XDZ\n所在城市：$XHQZ", "form fields"),
    C("neg", "模型名称：$TZ\n研发机构：$TDZ", "own form"),
]

CASES_ZH = {
    "direct": DIRECT,
    "chinese": CHINESE,
    "slot": SLOT,
    "policy": POLICY,
    "persona": PERSONA,
    "invented": INVENTED,
    "think": THINK,
    "negation": NEGATION,
    "hypothetical": HYPOTHETICAL,
    "roleplay": ROLEPLAY,
    "consistent": CONSISTENT,
    "refusal": REFUSAL,
    "form": FORM,
}
