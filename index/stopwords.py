"""Function words left out of lexical search terms (``index.normalize.search_terms``), for chunks and queries.

Written in ordinary spelling; ``search_terms`` compares them after normalization, so "على" also removes
"علي" and "إلى" also removes "الى". Arabic forms with the conjunction و/ف or a preposition attached are
listed separately because they are single tokens.
"""

ARABIC_STOPWORDS = frozenset(
    """
    في من على إلى عن مع أن إن أنّ لأن بأن فإن كأن لكن ثم أو أم إما بل لا لم لن ليس ليست إلا حتى إذا إذ
    قد لقد كان كانت يكون تكون كانوا يكن
    ما ماذا كم متى أين هل لماذا كيف أي أيّ
    التي الذي الذين اللذين اللتين اللاتي اللواتي
    هذا هذه ذلك تلك هؤلاء أولئك هنا هناك ذا
    هو هي هم هما هن نحن أنا أنت أنتم
    أنه أنها إنه إنها أنهم إنهم
    فيه فيها فيهم منه منها منهم عليه عليها عليهم إليه إليها له لها لهم لنا به بها بهم
    بين عند عندما بعد قبل حيث منذ خلال حول ضد دون لدى نحو
    كل بعض غير كما مثل أيضا كذلك تم
    و ف ب ل ك
    وفي ومن وعلى وإلى وعن ومع وأن وإن وقد وكان وكانت وهو وهي وهم وهذا وهذه وذلك ولا ولم ولن وما
    وهل وكل وبين وبعد وقبل وحتى وأيضا فقد فهو فهي فلا فإذا فيما بما مما عما
    """.split()
)

ENGLISH_STOPWORDS = frozenset(
    """
    a an the and or but if then else so than too very as of at by for with about against between into
    through during before after above below to from up down in out on off over under again further once
    here there when where why how what which who whom whose this that these those
    all any both each few more most other some such no nor not only own same just
    can will would could should shall might must
    is are was were be been being am have has had having do does did doing
    i me my mine we our ours you your yours he him his she her hers it its they them their theirs
    myself yourself himself herself itself ourselves themselves
    also yet ever per via
    """.split()
)
