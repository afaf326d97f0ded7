package crisis

// Signals: the wider scorer. Each signal is evidence that, alone, may be
// harmless ("tonight", "my pills", "goodbye") and that combines with others
// into tier 1 or tier 2 (SAFETY.md: plans and means, preparation, goodbyes,
// finality and time markers are what keyword rules miss). Patterns allow a
// few words between their parts, so "bought a rope today" and "got the
// rope" are one pattern. Every match goes through the same context checks
// as the rules (negation in its clause, whose it is, past story).

// strength is how much one signal weighs.
type strength int8

const (
	weak   strength = 1 // needs another signal
	strong strength = 2 // risk alone; crisis with any other signal
)

// signal is a named group of patterns of one strength.
type signal struct {
	crisisRule
	strength strength
}

var signals = compileSignals([]*signal{
	{strength: strong, crisisRule: crisisRule{name: "method", pats: []string{
		// "gonna drive my car into a tree", "walk into the lake"
		`(?:<intent>|im|i am|ill|i will|i should|should|thinking (?:about|of)) <adv>(?:jump|jumping|walk|walking|step|stepping|drive|driving|crash|crashing|throw <self>|throwing <self>)(?: \w+){0,4} (?:off|into|in front of|under|from|over)(?: \w+){0,3} (?:bridge|roof|building|overpass|train|traffic|tree|wall|lake|river|sea|ocean|cliff|ledge|highway|truck|bus|tracks|window)`,
		`(?:im|i am|is|are|standing|sitting|up|stood|stopped|stop) (?:\w+ ){0,2}(?:on|at) (?:the |a |this )?(?:edge of (?:the |a )?)?(?:bridge|roof|rooftop|ledge|overpass|cliff|tracks|railing)`,
		`garage(?: \w+){0,8} (?:engine running|door shut|doors shut|door closed|doors closed)`,
		`(?:charcoal|hose)(?: \w+){0,5} (?:car|exhaust|windows)`, `taped (?:up )?the windows`,
		`(?:decided on|best way to do it|how many pills it takes|how much it takes)`,
		`eat(?:ing)? (?:his|her|my|their) gun`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "method", clauseEnd: true, pats: []string{
		// "going to jump.", not "going to jump on the trampoline"
		`(?:<intent>|im|ill) <adv>(?:jump|jumping)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "passive-wish", pats: []string{
		// someone else's burden talk, for a worried peer
		`better off without (?:him|her|them)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "means-ready", pats: []string{
		// preparation joined to a means: "saving my pills", "loaded the gun"
		`(?:bought|buy|buying|got|get|getting|loaded|load|loading|saved|saving|collecting|collected|counted|counting|lined up|lining up|stockpiling|stockpiled|stashed|stashing|hoarding|took|taken|tied|tying|sharpened)(?: \w+){0,4} (?:rope|noose|gun|pistol|rifle|shotgun|bullets|razors?|razor blades?|blades?|knife|charcoal|hose)`,
		// pills: not "took my meds", "got my meds refilled"
		`(?:bought|buy|buying|saved|saving|collecting|collected|counted|counting|lined up|lining up|stockpiling|stockpiled|stashed|stashing|hoarding|put|poured|laid out|set out|stocking up on|stocked up on)(?: \w+){0,4} <pills>`,
		`(?:rope|noose|gun|pistol|rifle|shotgun|bullets|razors?|blades?|knife|<pills>) (?:is |are |s )?(?:already )?(?:loaded|hanging|ready|tied|in my hand|lined up|on (?:the|my) (?:\w+ )?(?:table|counter|bed|desk|nightstand|dresser|floor)|next to (?:me|my bed|the bed)|out)`,
		`(?:hiding|hid|hidden|stopped taking|not taking|skipping) (?:all )?(?:my |the )?<pills>`,
		`<pills> (?:is |are )?(?:counted|counted out|in my (?:pocket|hand|bag|car))`,
		`(?:rope|noose|gun|pistol|rifle|shotgun|<pills>)(?: \w+){0,4} (?:its|is|s) loaded`,
		`(?:the|my) (?:knife|blade|gun|rope|razor|pills) (?:\w+ ){0,2}in my hand`,
		`out of the safe`, `(?:holding|hold) (?:the|my) (?:rope|noose|gun|pistol|rifle|shotgun|razor|blade|knife)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "means", pats: []string{
		`(?:have|got|has|keep|keeps) (?:\w+ ){0,3}(?:rope|noose|gun|pistol|bullets|razors?|razor blades?|blades?|knife|<pills>)`,
		`(?:the|a) (?:rope|noose|gun|razor blades?|blades?)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "plan", clauseEnd: true, pats: []string{
		`(?:have|got|made|making) a plan(?: and the means)?`, `(?:got|have) it (?:all )?(?:planned|figured out|worked out)(?: out)?`,
		`thought it (?:all )?through`, `(?:found|picked) (?:a|the) (?:spot|place)(?: \w+){0,5}`,
		`how (?:im|i am|i will|ill) (?:gonna |going to )?do it`, `(?:planning|planned) how <to> (?:do it|kill <self>|end it)`,
		`(?:wrote|writing) down how`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "act", pats: []string{
		`(?:<intent>|im|ill|i will|i am|its) <adv>(?:do it|doing it|go through with it|happening)`,
		`(?:ending|end) it`, `the day i (?:go|die|do it)`, `nobody (?:will|can) stop me`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "time", aboutWriter: true, passive: true, pats: []string{
		// a time is nobody's, and a negation before it is about something
		// else ("if i dont show up monday"): "once the kids are at their dads this weekend"
		`tonight|tonights|tomorrow|this weekend|by morning|by the morning|midnight|this time tomorrow|by this time|right now|soon|(?:this |on |next |by |till |until )?(?:friday|saturday|sunday|monday|tuesday|wednesday|thursday)`,
		`(?:after|when|once|till|until|til) (?:everyone|everybody|everyones|everybodys|they|theyre|the kids|my \w+)(?: \w+){0,3} (?:asleep|to bed|to sleep|leaves?|leave|goes|go|gone|out|away)`,
		`after (?:my shift|work|school|the funeral)|when my shift ends|(?:set|picked|chose|have|got) a date|the right (?:night|time|moment|day)|before (?:the sun comes up|sunrise|morning|dawn)|\d+ ?am and`,
		`(?:decide|deciding|pick|picking) (?:when|where|the day|the night)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "decision", aboutWriter: true, clauseEnd: true, pats: []string{
		// a decision said as such: "ive decided.", "tonights the night";
		// weak: it is as often a date or a puppy
		`(?:ive|i have|i) (?:finally )?(?:decided|made (?:my|the|a) (?:decision|choice)|made up my mind)|made up my mind`,
		`(?:tonights|tonight is|tonight|today is|todays|this is|tomorrow is|(?:friday|saturday|sunday|monday|tuesday|wednesday|thursday) is) (?:the|my) (?:night|day)`, `tonight is it|today is it|this is it`,
		`(?:set|picked|chose|have|got) (?:a|the) date`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "decision", aboutWriter: true, clauseEnd: true, pats: []string{
		`no more waiting|(?:im|i am) done waiting`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "decision", aboutWriter: true, pats: []string{
		`(?:got|have|giving it|give it|gave it) (?:till|until|til) (?:the end of|friday|saturday|sunday|monday|tomorrow|tonight|next)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "finality", aboutWriter: true, pats: []string{
		`(?:then|and then|after that) (?:im|i am) (?:done|out|gone)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "plan", pats: []string{
		`(?:the|my) plan(?: \w+){0,2} (?:is|s) (?:ready|set|done|in place|final|made|happening)`,
		`(?:the|my) plan (?:is|s) (?:\w+ ){0,2}(?:<means>|the (?:lake|bridge|river|tracks|garage|roof)|<to> (?:jump|die|end it|od|overdose|hang))`,
		`plan(?: \w+){0,6} (?:for good|permanently|forever|once and for all)`,
		`(?:know|knew|picked|found|chose|chosen|decided on) (?:exactly )?(?:which|what) (?:bridge|building|spot|place|tree|overpass|cliff|pills|gun|rope)`,
		`(?:found|picked|chose|chosen) (?:a|the) (?:spot|place)(?: \w+){0,8} (?:nobody|no one|noone|wont be found|alone|quiet)`,
		`(?:gave|give|giving) (?:it|myself|life|them) (?:till|until|til|one more|another|a few more|to) \w+`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "method", pats: []string{
		// looking up how much of a means it takes
		`how (?:many|much)(?: \w+){0,5} (?:it takes|it would take|would it take|does it take|would do it|will do it|to (?:die|od|overdose|kill|be fatal|shut down)|is (?:lethal|fatal|deadly|enough))`,
		`(?:googling|googled|looking up|looked up|searching|searched|researching|researched|reading about) (?:\w+ ){0,3}(?:lethal|fatal|overdose|od|painless|quickest|easiest) (?:dose|doses|amount|ways?|method)`,
		`(?:car|exhaust)(?: \w+){0,8} (?:hose|charcoal)`,
		`(?:beam|rafter|rafters|ceiling fan|hook|branch|pipe)(?:[.,]? \w+){0,6} (?:strong enough|hold my weight|will hold|can hold)`,
		`(?:take|swallow|down) everything (?:in|from) (?:the|my) (?:medicine )?(?:cabinet|drawer|bottle|cupboard)`,
		`(?:im|i am|ill|i will|gonna|going <to>|thinking (?:about|of)|kept thinking about|keep thinking about) (?:steer|steering|swerve|swerving|veer|veering|drive|driving|crash|crashing) (?:\w+ ){0,3}into (?:the |a |an |oncoming )?(?:median|traffic|oncoming|tree|wall|pole|barrier|semi|truck|bridge|river|lake)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "place", pats: []string{
		`(?:<intent>|im|ill|i will|i am|went|walked|drove|been) (?:driving|walking|going|heading|drive|walk|go|head|went|walked|drove)? ?(?:up |back )?to (?:the|a|that) (?:bridge|overpass|cliff|roof|rooftop|tracks|ledge|railway)`,
		`(?:been there|go there|went there)(?: \w+){0,2} <to> look`,
		`(?:top|roof|edge) of (?:the|a|that) (?:parking garage|parking structure|car park|building|tower|bridge|cliff|overpass)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "place", pats: []string{
		`(?:stood|standing|sat|sitting) (?:there|on the edge|at the edge|on the ledge)(?: \w+){0,3} (?:long time|while|hour|hours|forever)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "means", pats: []string{
		// an amount, or someone else's supply: "60 of my dads pain pills"
		`(?:\d{2,}|twenty|thirty|forty|fifty|sixty|hundred|a bottle|bottles|a stash|a bag|a bunch|a handful|a full bottle)(?: of)? (?:\w+ ){0,3}<pills>`,
		`(?:taking|take|took|get|getting|got|keep taking) (?:them|it|the \w+) out`, `(?:looking|staring|stare|look) at (?:it|them|the \w+)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "means", pats: []string{
		// someone else's supply: "my dads pain pills", "where he keeps the bullets"
		`(?:my )?(?:moms|mums|dads|mothers|fathers|grandmas|grandpas|nans|uncles|brothers|sisters|roommates|wifes|husbands|partners|girlfriends|boyfriends) (?:old )?(?:<pills>|gun|pistol|rifle|shotgun)`,
		`know where (?:he|she|they|my \w+) (?:keeps|keep|hides|hide|puts) (?:the |his |her |their )?(?:bullets|key|keys|gun|pills|ammo|meds)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "means", pats: []string{
		`(?:key|code|combination) to the (?:gun )?safe`, `(?:<intent>|im|ill) (?:take|swallow) (?:the|all the|my|all my|them|those) <pills>`,
		`(?:just )?in case i (?:decide|need|do it|change my mind)`, `i have (?:a lot|enough|plenty) now`,
		`(?:thinking about|think about) the (?:bridge|tracks|overpass|cliff|roof)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "method", pats: []string{
		`how (?:high|tall|far down|deep|easy)(?: \w+){0,2} (?:it is|is it|it would be|it was)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, pats: []string{
		`saying my goodbyes`, `this is goodbye`, `goodbye (?:everyone|everybody|all|forever|world|for good)`, `bye everyone`, `farewell`,
		`(?:my )?last wish`, `(?:this is|its) my last night`,
		`(?:wrote|writing|written) (?:my |the |a )?(?:goodbye|suicide) (?:letters?|notes?)`,
		`leaving (?:all )?my (?:stuff|things|belongings|money|savings|\w+) to`, `(?:stop|stopped|stopping) being a (?:burden|problem)`,
		`(?:a|my|the) (?:suicide |goodbye )?note (?:written|ready|done)`,
		`(?:look after|take care of|feed|feeds|care for) my (?:\w+ ){0,2}(?:when|after|once) (?:im|i am) gone`,
		`(?:wont|will not|not going <to>|wont be|not gonna) (?:be )?need(?:ing)? (?:it|them|this|that|these|those|anything)(?: anymore| where)?`,
		`dont blame (?:yourselves|yourself|anyone|urself|u)`, `take better care of (?:him|her|them|it) than i`,
		`(?:gave|given|giving|give) away (?:all )?(?:of )?my`, `make sure my (?:\w+ ){0,2}(?:goes|go|gets|get) (?:to )?(?:a )?(?:good|new|loving|nice) home`, `(?:gave|given|giving|give) (?:all|most) (?:of )?my (?:\w+ ){0,2}(?:to|away)`,
		`(?:gave|given|giving|give) (?:away )?my (?:dog|dogs|cat|cats|pets?|guitar|kids|baby|car)(?: \w+){0,4} (?:to|away)`,
		`(?:i want|want) you <to> have my`, `(?:made|make) my (?:peace|will)`, `loose ends`,
		`(?:deleting|delete|deleted) (?:all )?my accounts`, `take care of yourselves`, `(?:sorry|im sorry) for everything`,
		`said goodbye to (?:everyone|everybody|my)`, `(?:tell|let) my (?:\w+ ){0,2}(?:know )?(?:that )?i (?:love|loved|always loved) (?:them|her|him|you)`,
		`love you (?:all|guys|everyone|everybody)(?: \w+){0,3} (?:sorry|goodbye|bye)`,
		`(?:wrote|written|writing|write) (?:letters?|notes?)(?: \w+){0,4} (?:for when|for after|in case)`,
		`(?:letters?|notes?) (?:to|for) everyone`, `(?:sorry|apologies) to whoever (?:finds|find)`,
		`(?:cancelled|canceled|cancelling|canceling) my (?:phone|lease|plan|subscriptions)(?: \w+){0,6} (?:gave|give|giving) (?:my|away)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, clauseEnd: true, pats: []string{
		`(?:wrote|written|finished|left) (?:the|my) (?:suicide )?note`, `this is my goodbye(?: message| post| letter| note)?`,
		`my time (?:is|s) (?:up|over|done|coming)`, `nothing (?:left )?for me(?: here| anymore| in this world)?`,
		`(?:tonight|today|tomorrow) is my last (?:night|day)|my last (?:night|day|sunset|sunrise|week|weekend|month|christmas|birthday)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, pats: []string{
		// weak alone: "thank you all for ... goodbye"
		`thank you (?:all|everyone|guys|so much|all so much) for (?:being|everything|always|all)`, `thanks for (?:trying|everything|being there)`,
		`(?:i )?wanted <to> say`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "finality", aboutWriter: true, pats: []string{
		`if i (?:dont|never|do not) (?:show up|come back|make it|answer|reply|respond)`,
		`if (?:anything|something) (?:happens|were to happen|should happen) to me`,
		`(?:wont|will not|never) be (?:answering|replying|responding|reachable)`,
		`(?:it|this|nothing) (?:wont|will not|will never|is not going <to>|isnt going <to>) hurt (?:anymore|any more|ever again)`,
		`(?:wrote|writing|write|written) (?:a |my |the )?(?:suicide |goodbye )?(?:note|notes|letters?)(?: \w+){0,3} (?:for|to|on)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, pats: []string{
		`(?:left|leaving|leave) (?:a |my |the )?(?:suicide |goodbye )?(?:note|notes|letters?)(?: \w+){0,3} (?:for|to|on)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "goodbye-affairs", aboutWriter: true, pats: []string{
		// affairs put in order, thanks and blame lifted: weak, they combine
		`(?:my )?passwords? (?:are|is) (?:in|on|under)`, `(?:its|it is|its) all written down`,
		`take care of my (?:\w+ ){0,2}for me`, `(?:you|yall|you guys|you all) (?:were|have been|are) (?:all )?the best (?:part|thing)`,
		`tell my (?:\w+ ){0,2}(?:that )?(?:im|i am) sorry`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "finality", aboutWriter: true, pats: []string{
		`(?:it|that|nothing|this) (?:wasnt|was not|isnt|is not|will never be) enough`, `like (?:its|it is|it was|this is) the last time`,
		`(?:im )?done fighting|tired of fighting|cant fight (?:anymore|any more|it anymore)`, `made (?:my )?peace with (?:it|dying|death|everything|my decision)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "decision", aboutWriter: true, pats: []string{
		`i know (?:what im doing|what i have <to> do|what i need <to> do)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "goodbye-giving", aboutWriter: true, pats: []string{
		`(?:gave|given|giving|give) my (?:\w+ ){0,5}to`, `saying goodbye to my (?:dog|cat|kids|pets?|family|mom|mum|dad)`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "goodbye-blame", aboutWriter: true, pats: []string{
		`(?:wasnt|was not|isnt|is not|its not|its|it is) not (?:their|your|his|her|anyones) fault|(?:wasnt|isnt) (?:their|your|his|her|anyones) fault`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, clauseEnd: true, pats: []string{
		`goodbye|bye (?:all|everyone|guys)|im out`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", pats: []string{
		// someone else's: "my brother posted goodbye", "giving away his stuff"
		`(?:posted|texted|sent|said|wrote|messaged)(?: me| us| everyone)? (?:a )?(?:goodbye|bye forever|farewell)`,
		`(?:gave|given|giving|give) (?:away )?(?:all )?(?:his|her|their) (?:\w+ ){0,2}(?:stuff|things|belongings|away)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "goodbye", aboutWriter: true, clauseEnd: true, pats: []string{
		// "my final message", not "my last message for today"
		`(?:my |this is my |the )?(?:last|final) (?:message|msg|words|goodbye|post|text)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "finality", aboutWriter: true, pats: []string{
		`(?:wont|will not|not gonna|not going <to>|never) be (?:around|here|a problem|a burden)`,
		`(?:wont|will not) have <to> (?:deal with|worry about|put up with|see) me`,
		`(?:it|all|this)(?: will| ll| is)? (?:all )?(?:be )?(?:over soon|almost over|nearly over|be over)`, `(?:almost|nearly) over`,
		`no more me`, `(?:ill|i will|im gonna|im going <to>|gonna|going <to>) be (?:gone|dead)`, `be gone by`,
		`long sleep`, `(?:clock|check|checking|clocking) out (?:permanently|for good|forever)`, `my exit`,
		`(?:found|find|take|taking|my) (?:my )?way out`, `(?:go|going <to>|gonna) be with my`,
		`make sure (?:they|nobody|no one) (?:cant|can not|cannot)`, `(?:not|never) (?:come|coming) back`,
		`(?:stop|stops|stopping) my heart`, `(?:my )?last (?:one|time ever|high|shot|big shot|bag|hit|dose|fix)`, `one last`,
		`ready <to> go(?: now)?`, `sleep (?:forever|for good|and never)`,
		`(?:wont|will not|not gonna|not going <to>|never) be (?:anyones|anybodys|your|a|everyones) (?:problem|burden|concern)`,
		`none of (?:this|it) (?:will|is going <to>|gonna|would) matter`, `leave (?:this|the) (?:world|earth|planet)`,
		`(?:theyll|they will|someone will|somebody will|theyre gonna|they are going <to>|whoever) find(?:s)? me`,
		`(?:only|one) way out`, `only way (?:this|it) (?:stops|ends)`, `(?:when|after|once) (?:im|i am) (?:gone|not around|not here|dead|no longer here)`,
		`(?:clock|check|checking|clocking|checked) out(?: \w+){0,2},? (?:permanently|for good|forever)`,
		`(?:not|never) (?:have <to> )?(?:do|face|see|wake up to) (?:tomorrow|another day|any tomorrow|the morning)`,
		`not being around|talking about not being`,
		`(?:dont|do not|wont|not) (?:plan on|planning on|expect <to> be|intend <to> be|plan <to> be) (?:being )?(?:here|around|alive)`,
		`(?:ready|want|wanna|going|time) <to> let go`, `peace(?:[.,]? \w+){0,2}[.,]? (?:permanently|forever|for good)`,
		`(?:none of you|nobody|no one|you|yall|you guys)(?: will|ll)? (?:have|need) <to> (?:worry about|deal with|take care of) me`,
		`done(?:[.,]? \w+){0,4}[.,]? with (?:being alive|life|living|existing)`,
		`(?:everyone|everybody|they|you all|yall|my family|my kids|the world)(?: will| ll|ll)? be (?:happier|better|better off|relieved|fine) (?:soon|without me|when im gone|once im gone)`,
		`(?:all of this|it all|everything|all this|life|this life) <to> (?:finally )?be over`,
		`(?:go|going <to>|gonna|want <to>|wanna|ready <to>) (?:go )?be with (?:my )?(?:grandma|grandpa|gran|granny|nan|nana|mom|mum|mama|dad|papa|brother|sister|son|daughter|baby|wife|husband|grandmother|grandfather|family|friend|him|her|them) (?:again|in heaven|up there|soon)`,
		`not (?:planning on|planning <to>|going <to>|gonna|expecting <to>) (?:see|seeing|make it <to>|making it <to>|reach|reaching|live <to> see) (?:\d+|christmas|my birthday|next year|the new year|another year|summer|spring)`,
		`(?:this world|life|this life|living|this place) (?:isnt|is not|was never|wasnt|aint) (?:for|meant for) me`,
		`(?:this|it|everything|all of this) (?:ends|will end|is ending|is over|will be over) (?:this week|tonight|today|tomorrow|soon|this weekend|friday|saturday|sunday)`,
		`(?:dying|death|being dead|not existing|not waking up|never waking up) (?:sounds|seems|feels|looks) (?:\w+ )?(?:nice|good|peaceful|better|great|like a relief|appealing|easier)`,
		`(?:guts|courage|balls|nerve|strength) <to> (?:end it|do it|kill <self>|die|jump|go through with it|end my life)`,
		`(?:id|i would|would|i d) welcome (?:death|dying|the end)|welcome death`,
		`time (?:for me )?<to> (?:go|leave|die|end it)`, `(?:the|my) last (?:sunset|sunrise) (?:im|ill|i)`,
		`(?:see|be with|join|hug) (?:my )?(?:\w+ ){1,2}again(?: \w+){0,5} (?:passed|died|passed away|in heaven)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "finality", aboutWriter: true, clauseEnd: true, pats: []string{
		// "going to go be with grandma.", not "... for thanksgiving"
		`(?:going <to>|gonna|want <to>|wanna|ready <to>) go be with (?:my )?(?:grandma|grandpa|gran|granny|nan|nana|mom|mum|mama|dad|papa|brother|sister|son|daughter|baby|wife|husband|grandmother|grandfather)`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "overdose-plan", pats: []string{
		`(?:use|using|shoot|shooting|drink|drinking|take|taking|do|doing|mix|mixing|od|overdose)(?: up)?(?: \w+){0,3} (?:enough <to>|all of it|everything i have|the whole|way more than|till|until|more than i can)`,
		`enough(?: \w+){0,2} <to> (?:not wake|never wake|die|stop my|kill me|end it)`,
		`hot shot`, `nobody can narcan`, `(?:use|using) alone(?: \w+){0,4} (?:narcan|naloxone)`,
		`(?:relapse|use|using|high)(?: \w+){0,8} (?:last (?:one|time)|not come back|my last)`,
		`(?:benzos?|xanax|pills)(?: \w+){0,4} (?:booze|alcohol|vodka|drink|liquor)`, `whole bottle`,
		`(?:od|overdose|overdosing)(?: \w+){0,2} (?:on purpose|tonight)`, `not trying <to> get high`,
		`enough (?:dope|heroin|fent|gear|pills|stuff)(?: \w+){0,3} (?:kill|die|stop)`,
		`planning <to> (?:overdose|od)`,
		`(?:take|use|do|swallow|shoot|drink) (?:enough|so much|that much)(?: \w+){0,5} (?:over|dead|die|not wake|never wake|stop|not come back|never come back)`,
		`enough(?: \w+){0,3} <to> not come back`, `(?:shoot|do|use|take) the whole (?:bag|bottle|stash|thing|lot)`,
		`(?:took|popped|swallowed|downed|taken|necked) (?:like |about |around |maybe )?(?:\d{2,}|twenty|thirty|forty|fifty|a handful|handfuls|a bunch|a bottle|the whole bottle)(?: of)? (?:my |the |these |those )?<pills>`,
		`(?:vodka|booze|alcohol|liquor|whiskey|wine|fifth|rum|gin|tequila)(?: \w+){0,6} (?:benzos?|xanax|pills|klonopin|ativan|valium)`,
		`(?:benzos?|xanax|pills|klonopin|ativan|valium)(?: \w+){0,6} (?:whiskey|wine|fifth|rum|gin|tequila|beer)`,
		`(?:use|using) alone(?: \w+){0,4} (?:on purpose|no narcan|without narcan)`, `relapse on purpose`,
		`(?:take|swallow|down|taking|swallowing) (?:every|each) (?:single )?(?:pill|tablet|med)s?`, `(?:every|all the) pills? in the (?:house|cabinet|bottle|drawer)`,
		`(?:shoot|shooting|use|using|take|taking|do|doing)(?: up)? (?:whatever|everything|all) i (?:have|got)(?: left)?`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "overdose-act", pats: []string{
		// "took all my seroquel about 20 min ago" is an emergency; "took all
		// my meds today" a good day: weak, and it needs another signal
		`(?:took|swallowed|downed|taken) (?:all|all of|every one of|the rest of) (?:my |the )?<pills>`,
	}}},
	{strength: weak, crisisRule: crisisRule{name: "time", aboutWriter: true, pats: []string{
		`\d+ (?:min|mins|minutes|hours?|hrs?) ago|idk what happens now|well see`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "self-harm-act", pats: []string{
		`(?:cut|cutting|burn|burning|burned|burnt|carve|carved|carving|slit|scratch|scratching|scratched)(?: \w+){0,3} (?:arms?|wrists?|thighs?|legs?|skin|stomach|hips?)`,
		`(?:till|until) (?:it|they|i) (?:bled|bleed|bleeds)`, `(?:want|wanna|need) <to> (?:bleed|hurt)`,
		`(?:started|start|been|keep|kept|back to) cutting(?: again)?`, `cutting is`, `self harmed`, `(?:have|got) the blades? out`,
		`(?:punched|hit|hitting|punching|banged|banging)(?: \w+){0,5} (?:on purpose|till|until)`,
		`on purpose(?: \w+){0,3} (?:hurt|bleed)`,
		`(?:burned|burnt|cut|scratched|hit|punched|hurt|bruised|carved) <self> (?:with|again|on purpose|till|until)`,
		`cut (?:deeper|too deep|deep|again)`, `(?:hit|banged|punched) my (?:head|fist)(?: \w+){0,4} (?:till|until) (?:it|i) (?:bled|bleeds|bleed)`,
		`(?:need|have|got|gotta) <to> cut`, `(?:only thing|all) that helps is (?:cutting|burning|hurting <self>|the blade)`, `(?:urge|urges) <to> (?:hurt|cut|burn|harm) <self>`, `scratching my (?:arms|legs|skin)(?: \w+)? raw`,
	}}},
	{strength: strong, crisisRule: crisisRule{name: "passive-wish", passive: true, pats: []string{
		`(?:takes|take|took) me in my sleep`,
		`if i (?:just )?(?:died|was gone|were gone|wasnt here|disappeared)(?: \w+){0,5} (?:relief|relieved|easier|better|happier)`,
		`(?:easier|better|happier)(?: \w+){0,4} if i (?:just )?(?:disappeared|died|was gone|wasnt here|wasnt around)`,
		`if (?:a|the) (?:bus|car|truck|train) (?:hit|hits) me`, `(?:stop|stopping) being here`,
		`want(?: \w+){0,2} (?:it all|everything|all of it) <to> stop`, `point (?:\w+ ){0,2}(?:being alive|living|of life|going on)`,
		`(?:relief|relieved)(?: \w+){0,4} (?:die|died|dead)`, `(?:die|died|dead)(?: \w+){0,4} (?:relief|relieved)`,
		`(?:dont|do not|no longer) (?:think i |really )?(?:want <to>|wanna) be alive`, `want <to> be dead`,
		`(?:think|thinking) about dying`, `(?:plan|planning) it out`,
		`(?:easier|better|happier|relieved|relief)(?: \w+){0,4} if i (?:was|were) (?:gone|dead|not here|not around)`,
		`(?:hope|hoping|wish|wishing|pray|praying)(?: that)? (?:i|something|someone) (?:\w+ ){0,4}(?:accident|crash|wreck|hit by|killed|dies|dead)`,
		`(?:wish|wishing|hope|hoping|pray|praying)(?: that)? (?:i|id|i would) (?:could |would |might )?die`,
		`wish (?:the|that|my) (?:\w+ ){0,4}(?:had |would have |would )?(?:worked|killed me|finished me|taken me)`,
		`point (?:of|in) me (?:being alive|living|being here)`, `tired of being alive|sick of being alive`,
		`(?:dont|do not|no longer) (?:want <to>|wanna) be here`,
		`(?:so )?close <to> (?:ending|end) (?:it|everything|things|my life)`, `(?:end|ending) everything`,
		`(?:weight|drain|burden|problem) (?:on|to|for) (?:everyone|everybody|my family|them|all of you)`,
		`(?:want|wish|need)(?: \w+){0,2} (?:it all|everything|all of it|the world|things) <to> (?:go dark|go black|end|be over|go away|fade)`,
		`(?:hope|hoping|wish|wishing|pray|praying)(?: \w+){1,3} i (?:dont|do not|never|wont|will not|wouldnt|didnt) (?:wake up|wake|make it)`,
		`would (?:anyone|anybody)(?: even)? (?:care|notice|miss me)(?: \w+)? if i (?:was|were|died|disappeared|left)`,
		`if i (?:got|get|was|were) (?:hit|run over|killed) by (?:a|the) \w+(?: \w+){0,3} (?:grateful|relieved|relief|fine|glad|happy|wouldnt mind|ok)`,
		`(?:way|something) <to> make (?:it all|all of this|all this|it|everything|the pain) stop`,
		`(?:hope|hoping|wish|wishing|pray|praying)(?: that)? my (?:heart|breathing|lungs) (?:would )?(?:stops?|gives? out|give up)`,
		`(?:wish|wishing) i (?:never|didnt|hadnt|had not|did not) (?:woke|wake|waken) up`,
		`(?:tired|sick|exhausted) of (?:waking up|breathing|existing)`,
	}}},
})

func compileSignals(sigs []*signal) []*signal {
	for _, s := range sigs {
		s.res = compileCrisisPatterns(s.pats)
	}
	return sigs
}

// signalHits are the signals found in a message, by whose they are.
type signalHits struct {
	self, other []*signal
}

func (h *signalHits) add(s *signal, w who) {
	switch w {
	case whoSelf:
		if !containsSignal(h.self, s) {
			h.self = append(h.self, s)
		}
	case whoOther:
		if !containsSignal(h.other, s) {
			h.other = append(h.other, s)
		}
	}
}

func containsSignal(list []*signal, s *signal) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// findSignals runs every signal on sc's text.
func findSignals(sc *crisisScan) signalHits {
	var h signalHits
	for _, s := range signals {
		for i := range s.res {
			for _, loc := range s.res[i].findAll(sc.t, &sc.keys) {
				h.add(s, sc.judge(&s.crisisRule, loc[0], loc[1]))
			}
		}
	}
	return h
}

// signalTier combines distinct signals: two strong, a strong and a weak
// one, or three weak ones are tier 1; one strong or two weak ones are tier
// 2; a weak one alone is nothing.
func signalTier(list []*signal) Tier {
	strongs, weaks := 0, 0
	for _, s := range list {
		if s.strength == strong {
			strongs++
		} else {
			weaks++
		}
	}
	switch {
	case strongs >= 2 || strongs == 1 && weaks >= 1 || weaks >= 3:
		return Crisis
	case strongs == 1 || weaks >= 2:
		return Risk
	}
	return None
}

func hasStrong(list []*signal) bool {
	for _, s := range list {
		if s.strength == strong {
			return true
		}
	}
	return false
}

func signalNames(list []*signal) []string {
	if len(list) == 0 {
		return nil
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.name
	}
	return names
}
