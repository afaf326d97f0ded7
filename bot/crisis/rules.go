package crisis

import (
	"strings"
)

// CrisisMatch.Rule, in the order the rules are tried.
func crisisRuleNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range crisisRules {
		if !seen[r.name] {
			seen[r.name] = true
			names = append(names, r.name)
		}
	}
	return names
}

// crisisRule is one row of the rule table: patterns over normalised text
// (no apostrophes, lower case) that share a name and the same checks.
type crisisRule struct {
	name string
	// passive rules are not silenced by negation (passive ideation:
	// "not suicidal but I hope I don't wake up").
	passive bool
	// aboutWriter rules are about the writer whatever the grammatical
	// subject ("everyone would be better off without me").
	aboutWriter bool
	// clauseStart: only filler words ("just", "I'm going to", ...) may come
	// before the match in its clause ("take all my pills", not "I take all
	// my pills every morning").
	clauseStart bool
	// clauseEnd: only filler words ("forever", "anymore", "tonight", ...)
	// may follow the match in its clause ("I can't go on", not "I can't go
	// on the trip").
	clauseEnd bool
	pats      []string
	res       []crisisRegexp
}

// crisisFragments are the pieces of pattern used by name in the table.
// Placeholders may use other placeholders one level deep.
var crisisFragments = strings.NewReplacer(
	"<to>", `(?:to|2)`,
	"<self>", `(?:my ?self|meself|him ?self|her ?self|them ?selves|them ?self)`,
	"<want>", `(?:want(?:s|ed|ing)? <to>|wanna|wana)`,
	// what someone says when they mean to do something
	"<intent>", `(?:want(?:s|ed|ing)? <to>|wanna|wana|going <to>|gonna|gunna|gona|finna|about <to>|ready <to>|planning (?:<to>|on)|plan (?:<to>|on)|plans <to>|planned <to>|need <to>|have <to>|gotta|will|ill|shall|should|might|may|decided <to>|deciding <to>|tempted <to>|time <to>|try(?:ing)? <to>|feel like|going <to> go|gonna go)`,
	// (the fillers of crisisFillers are gone from the text by then)
	"<adv>", `(?:(?:so|finally|probably|definitely|kind of|sort of|quietly|all|go|and|gonna|going to|like) )*`,
	"<pills>", `(?:pills|meds|medication|medications|medicine|tablets|prescription pills|prescriptions?|sleeping pills|sleeping tablets|painkillers|pain meds|pain pills|opioids|opiates|oxys?|oxycodone|benzos|xanax|valium|insulin|antidepressants|tylenol|paracetamol|acetaminophen|fentanyl|fent|methadone|suboxone|seroquel|quetiapine|klonopin|klonopins|clonazepam|ativan|lorazepam|ambien|zolpidem|lithium|adderall|percs|percocets?|vicodin|hydrocodone|morphine|tramadol|gabapentin|lyrica|trazodone|amitriptyline|codeine|dilaudid|sleeping meds|heart meds|blood pressure meds|oxy|norco|zanax|xans|bars)`,
	"<means>", `(?:rope|noose|gun|pistol|rifle|shotgun|bullets|ammo|razors?|razor blades?|blades?|knife|charcoal|hose|<pills>)`,
)

// crisisRules is the rule table, tried in order; the first counting match
// names the rule. Recovery-specific rules come first because their
// phrases also contain words of the general ones.
var crisisRules = compileCrisisRules([]*crisisRule{
	{
		name: "relapse-intent",
		pats: []string{
			// "going to use until I don't wake up"
			`(?:use|using|drink|drinking|shoot up|shooting up|get high|getting high|get wasted|getting wasted|smoke|smoking|binge|binging|bingeing|relapse|relapsing|pick up|picking up)(?: \w+){0,4} (?:until|till|til|untill) (?:i (?:dont|do not|never|wont|cant|cannot) (?:wake up|wake|breathe)|i die|i am dead|im dead|i stop breathing|my heart stops|it kills me)`,
			`(?:drink|drinking|drank|use|using|drug|drugging|smoke|smoking|shoot|shooting) <self> to death`,
			// "relapse on purpose and not stop"
			`relaps(?:e|ed|ing) (?:on purpose|deliberately|intentionally)`,
			`(?:use|using|drink|drinking|relapse|relapsing|get high|getting high|binge|binging)(?: on purpose| again)? (?:and|n) (?:not|never) (?:stop|stopping|come back|wake up)`,
		},
	},
	{
		name: "overdose-intent",
		pats: []string{
			// "I want to overdose", "gonna OD"
			`(?:<intent>|thinking (?:about|of)|considering|consider) <adv>(?:overdose|overdosing|od|oding|o d)`,
			// "OD on purpose", "took too many pills on purpose"
			`(?:overdose|overdosing|od|oding|o d|(?:take|taking|took|taken|swallow|swallowing|swallowed) (?:too many|way too many|all|all of) (?:my |the |these |those )?<pills>)(?: \w+){0,3} on purpose`,
			`(?:take|taking|took|taken|swallow|swallowing|swallowed|down|downing|downed|neck|necking) (?:a|the|an) (?:whole|entire|full) (?:bottle|box|pack|packet|strip|handful|tub|jar)s? of (?:my |the |these |those )?<pills>`,
			`(?:took|taken|swallowed|downed) (?:too many|way too many|loads of|a bunch of|a handful of|handfuls of|a load of|a lot of) (?:my |the |these |those )?<pills>`,
			`enough (?:<pills> |dope |gear |heroin |stuff |of (?:them|these|it|this) )?<to> (?:kill me|not wake up|never wake up|die|end it|end my life|overdose|od)`,
			`(?:take|taking|took|swallow|swallowing|swallowed|down|downing|downed) (?:all|all of|every one of|the rest of) (?:my |the |these |those )?<pills> (?:at once|all at once|at the same time|in one go|together|tonight|and (?:never|not|dont) wake up|and end it|and die)`,
		},
	},
	{
		// "take all my pills" said as a plan, not "I take all my pills
		// every morning".
		name:        "overdose-intent",
		clauseStart: true,
		pats: []string{
			`(?:take|swallow|down|neck) (?:all|all of|every one of|the rest of) (?:my |the |these |those |them )?<pills>`,
		},
	},
	{
		name: "stockpiling",
		pats: []string{
			`(?:saving|save|saved|stockpiling|stockpile|stockpiled|hoarding|hoard|hoarded|stashing|stash|stashed|squirrell?ing|building up|built up)(?: up| away| aside)? (?:all |some |up )?(?:of )?(?:my |the |these |those |extra |spare |a few |up )?<pills>`,
			`(?:a|my) (?:stash|stockpile|hoard|secret supply) of (?:\w+ )?<pills>`,
			`enough <pills> (?:saved|stashed|stockpiled|put away|hidden)`,
		},
	},
	{
		name: "self-harm",
		pats: []string{
			`(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|punish|punishing|scratch|scratching|bruise|bruising|hit|hitting|beat|beating|injure|injuring|starve|starving|mutilate|mutilating|carve|carving) <self>`,
			`(?:i|im|ive|been|started|start|starting|keep|kept|still|back to|went back to|going back to|<want>|urge <to>|urges <to>|urge|urges|going <to>|gonna|feel like|thinking (?:about|of)|tempted <to>|need <to>|relapsed (?:on|with|into)|relapse (?:on|with|into)|do|did) self ?harm(?:ing|ed|s)?`,
			`self ?harm (?:urges?|thoughts?|again|tonight|rn)`,
			`(?:want|wanna|need|urge|urges|craving|crave|desperate)(?: <to>)? (?:bleed|see blood|feel the blade)`,
			`(?:slit|slitting|slice|slicing|cut|cutting|open) (?:open )?my (?:wrists?|throat|veins?)`,
		},
	},
	{
		// "been cutting again", not "been cutting carbs".
		name:      "self-harm",
		clauseEnd: true,
		pats: []string{
			`(?:been|started|start|starting|keep|kept|still|back to|went back to|going back to|<want>|urge <to>|urges <to>|urge|urges|going <to>|gonna|feel like|thinking (?:about|of)|tempted <to>|need <to>|relapsed (?:on|with|into)|relapse (?:on|with|into)|im|i am|am|i|ive) (?:cutting|cut|burning|burn|scratching|carving|slicing)(?: my (?:arms?|wrists?|legs?|thighs?|skin|stomach|body|hips?))?(?: again)?`,
		},
	},
	{
		name: "slang-kms",
		pats: []string{`kms+`},
	},
	{
		name: "slang-unalive",
		pats: []string{
			`un ?aliv(?:e|ing|ed) (?:<self>|me)`,
			`(?:<intent>|thinking (?:about|of)|considering|commit|committing) <adv>(?:un ?alive|un ?aliving|self ?unalive|sewer ?slide)`,
			`self ?unaliv(?:e|ing)`,
			`sewer ?slide`,
		},
	},
	{
		// "catch the bus", a euphemism for suicide.
		name: "slang-ctb",
		pats: []string{`ctb`},
	},
	{
		name: "suicidal-intent",
		pats: []string{
			// "I'm going to kill myself"
			`(?:kill|killing|killin|kil|off|offing|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|suffocate|suffocating|gas|gassing|end|ending) <self>`,
			// "I want to end my life"
			`(?:end|ending|take|taking|took) (?:my|my own) life`,
			`end(?:ing)? (?:it|everything|things) (?:all|for good|once and for all|permanently|forever)`,
			`(?:commit|committing|comitting|commiting|comit|attempt|attempting|attempted|do|doing|try|trying|tried) suicide`,
			`(?:write|writing|wrote|written|draft|drafting|leave|leaving|left) (?:a|my) suicide (?:note|letter)`,
			// "thinking about suicide"
			`(?:think|thinking|thinkin|thought|thoughts|considering|consider|contemplating|contemplate|planning|plan|plans|planned|obsessing|fantasi[sz]ing|dreaming|daydreaming|researching|googling|looking up) (?:about |of |on )?(?:suicide|killing <self>|ending (?:my life|my own life|it all|everything|things)|taking my (?:own )?life|dying|not being alive|not existing|being dead)`,
			// "I want to die", "I'd rather die"
			`(?:<want>|ready <to>|deserve <to>|deserving <to>|need <to>|wish <to>|longing <to>|desperate <to>|would rather|d rather|id rather|rather) <adv>diee*`,
			`feel(?:ing|s)? like (?:dying|death|i (?:want|wanna|should|need|deserve) (?:<to> )?die|i should be dead|ending it|ending it all|ending my life)`,
			// "I'm suicidal", "feeling suicidal again"
			`(?:im|i am|am|i was|was|ive been|i have been|been|feel|feeling|felt|feelin|getting|get|got|becoming|become|go|went|gone|always|still|kinda|so|very|really|pretty|extremely|super|quite|bit|fucking|fkn|actively|passively|mildly|severely|seriously|chronically|lowkey|low key|highkey|high key)(?: (?:so|very|really|pretty|kinda|kind of|a bit|a little|a little bit|quite|super|extremely|fucking|fkn|honestly|actually|literally|just|still|always|constantly|again|getting|feeling|starting to feel|more|actively|passively|mildly|severely|seriously|chronically|lowkey|low key|highkey|high key|bit|incredibly|increasingly))* suicidal`,
			`suicidal (?:thoughts?|feelings?|ideation|urges?|ideas?|thinking|tendencies|again|rn|right now|today|tonight|lately|these days|atm)`,
			`suicide (?:is|feels like|seems like|seems|looks like) (?:the|my) only (?:way|option|answer|choice|way out)`,
			`(?:<intent>|thinking (?:about|of)|feel like) <adv>(?:jump|jumping|step|stepping|walk|walking|throw <self>|throwing <self>) (?:off|from|in front of|under|into) (?:a|the|an|this|that|my|oncoming) (?:bridge|building|roof|rooftop|cliff|balcony|train|bus|car|truck|traffic|lorry|tower|overpass|window|ledge|river|sea)`,
		},
	},
	{
		name:      "suicidal-intent",
		clauseEnd: true,
		pats: []string{
			// "planning to end it tonight", not "going to end it with him"
			`(?:<intent>|thinking (?:about|of)|considering) <adv>(?:end|ending) (?:it|things|everything)`,
		},
	},
	{
		// "suicidal." on its own, or "Suicidal? Yes".
		name:        "suicidal-intent",
		clauseStart: true,
		clauseEnd:   true,
		pats:        []string{`suicidal(?: af)?`},
	},
	{
		name:    "passive-ideation",
		passive: true,
		pats: []string{
			// "I wish I was dead"
			`(?:wish|wishing|wished|hope|hoping|hoped|pray|praying|prayed)(?: that)? i (?:was|were|could be|would be|d be|was just|were just|could just be|had been|would just be|already was|were already) dead`,
			`(?:wish|wishing|hope|hoping|pray|praying)(?: that)? i (?:could |would |might |will |just |could just |would just )?(?:diee*|pass away|stop existing|cease to exist|stop breathing|not exist)`,
			`(?:wish|wishing|wished)(?: that)? i (?:was|were|had|had been|d been) never (?:born|here|alive)`,
			`wish(?:ing)? i (?:didnt|did not|wouldnt|couldnt) exist`,
			`wish(?:ing)? i (?:wasnt|was not|werent|were not) (?:alive|here|around|born|in this world|on this earth)`,
			`(?:<want>|wish i could|wish <to>|ready <to>) <adv>sleep (?:forever|for ever|permanently|and never wake)`,
			// "I don't want to be alive anymore"
			`(?:dont|do not|doesnt|does not|no longer|never)(?: really| even| honestly)? (?:want <to>|wanna|wish <to>) (?:be alive|exist|be around|be on this earth|be in this world|keep living|go on living|live anymore|live any more|live any longer|be here anymore|be here any more)`,
			`(?:better off|be better) dead`,
			`(?:<want>|wish (?:i was|i were|i could be|<to>)|would rather|d rather|id rather|rather) <adv>be dead`,
			`(?:dont|do not|wouldnt|would not|wont|couldnt|could not)(?: really| even| honestly)? (?:care|mind)(?: \w+){0,2} (?:if|whether) i (?:live or die|lived or died|die|died|dont wake up|didnt wake up|never woke up|never wake up|was dead|were dead|od|oded|overdose|overdosed|got hit|get hit)`,
			`(?:wouldnt|would not|dont|do not) mind (?:dying|being dead|not waking up|not existing|if i died|never waking up)`,
			`(?:nobody|no one) (?:would|will|d)(?: even| really)? (?:care|notice|mind)(?: \w+)? if i (?:died|was gone|were gone|disappeared|was dead|were dead|wasnt here|wasnt around|killed <self>|didnt wake up)`,
			`(?:want|wanna|wish|wishing|hope|hoping|need|pray)(?: for)? (?:it all|everything|my life|all of it|all this|all of this|this life) (?:<to> |would |could |will )?(?:just )?(?:all )?(?:end|be over)`,
			`wish (?:my life|it all|everything|life) (?:was|were|would be|could be|is) over`,
			// "I wish the overdose had killed me", "I hope something kills me"
			`(?:wish|wishing|hope|hoping|pray|praying)(?: that)? (?:it|that|they|he|she|something|someone|somebody|the \w+|a \w+) (?:had |would have |would |could |will |just |had just )?(?:kill|killed|kills|hit|hits) me`,
			// "I want to disappear forever"
			`(?:<want>|wish i could|wish <to>|need <to>|going <to>|gonna|hope <to>|would love <to>|d love <to>) <adv>(?:disappear|vanish|fade away) (?:forever|for good|permanently|from (?:this|the) world|off the face of the earth|and never come back)`,
			`(?:<want>|wish i could|wish <to>) <adv>(?:stop existing|not exist|cease to exist|not be here anymore|not be alive|not wake up|never wake up)`,
		},
	},
	{
		name:      "passive-ideation",
		passive:   true,
		clauseEnd: true,
		pats: []string{
			// "I don't want to go on", not "I don't want to live in London"
			`(?:dont|do not|doesnt|does not|no longer|never)(?: really| even| honestly)? (?:want <to>|wanna|wish <to>) (?:live|wake up|go on|keep going)`,
			// "I just want to disappear", not "... disappear for a weekend"
			`(?:<want>|wish i could|wish <to>|need <to>|just want <to>) <adv>(?:disappear|vanish|fade away)`,
			// "go to sleep and never wake up", not "... before noon"
			`(?:sleep|fall asleep|go to sleep|go to bed|close my eyes|lie down|lay down|pass out|drift off) (?:and|n|then) (?:never|not|dont|do not|wont|not ever)(?: have <to>)? (?:wake|waking|ever wake)(?: back)? up`,
			// "I hope I don't wake up", not "... wake up late again"
			`(?:hope|hoping|wish|wishing|pray|praying)(?: that)? i (?:dont|do not|never|wont|will not|wouldnt|would not|didnt) (?:wake up|wake|make it through the night|make it to (?:tomorrow|morning|the morning)|see tomorrow|see the morning)`,
			// "sleep until I don't wake up", not "so I don't wake up late"
			`(?:until|till|til|untill|so|and) i (?:dont|do not|never|wont|will not|dont ever) wake(?: back)? up`,
		},
	},
	{
		name: "hopelessness",
		pats: []string{
			// "no reason to live"
			`(?:no|any|zero|not one|not a single|not any|without a|without any) (?:good )?reasons? (?:<to>|for) (?:live|living|go on|going on|keep going|keep living|stay alive|staying alive|be alive|being alive|exist|existing)`,
			`(?:dont|do not|cant|cannot|can not|couldnt) (?:have|find|see|think of)(?: a| any| one| a single)? (?:good )?reasons? (?:<to>|for) (?:live|living|keep living|go on|going on|keep going|be alive|stay alive)`,
			`nothing (?:left )?(?:<to>|worth) liv(?:e|ing) for`,
			`(?:no|whats the|what is the|dont see the|cant see the|lost the|dont see any|cant see any|see no) point (?:in |of |to )?(?:living|life|being alive|going on|keep going|existing|me being here|me living|staying alive|being here anymore|carrying on)`,
			`(?:give|giving|gave|given) up on (?:life|living|myself|everything)`,
			`(?:life|living|my life|it) (?:isnt|is not|aint|doesnt feel|does not feel|doesnt seem|no longer feels|no longer seems|is no longer|not) (?:really |even )?worth (?:living|it anymore|it any more|going on)`,
			`(?:life|my life|living) (?:is|feels|seems) (?:so |completely |totally |just )?(?:pointless|meaningless|hopeless|not worth living)`,
			`(?:there is|theres) no (?:way out|hope left|hope for me|future for me)`,
			`(?:dont|do not|cant|cannot|can not) see (?:a|any|another) way out`,
			`(?:whats|what is) the point (?:anymore|any more|of anything|of it all|in anything|of trying anymore)`,
			`no point (?:in anything|anymore|any more|in trying anymore|to anything)`,
		},
	},
	{
		// "I can't go on", not "I can't go on the trip".
		name:      "hopelessness",
		clauseEnd: true,
		pats: []string{
			// "I'm tired of living", not "tired of living with anxiety"
			`(?:tired|sick|exhausted|weary) (?:of|with) (?:living|being alive|life|existing|this life|my life)`,
			`done with (?:life|living|being alive|existing|this life|my life|it all)`,
			`(?:cant|cannot|can not|unable <to>|dont think i can) (?:go on|keep going|carry on|continue|keep living|keep fighting|live like this|do this any ?more|do it any ?more|take (?:it|this|this pain|the pain|any of this|life) any ?more|keep doing this|handle (?:it|this|life) any ?more|cope any ?more|face another day|do life)`,
		},
	},
	{
		name:        "burden",
		aboutWriter: true,
		pats: []string{
			// "everyone would be better off without me"
			`better off without me`,
			`(?:be|are|is) (?:better|happier|fine|okay|ok)(?: off)? (?:without me|if i (?:was|were) (?:gone|dead|not here|not around)|if i died|if i wasnt (?:here|around)|when im gone)`,
			`(?:im|i am|i feel like|feel like|i feel|i just feel like|im just|i am just|i know im|i know i am)(?: just| such| only| nothing but| always| so)? (?:a|such a|an|nothing but a|only a) (?:huge |big |massive |total |complete )?(?:burden|waste of (?:space|air|oxygen|life|skin))`,
			`(?:burden|waste of space) (?:to|on) (?:everyone|everybody|my family|them|all|the world|my kids|my friends)`,
			`(?:nobody|no one) (?:would|will|d)(?: even| really)? (?:miss|notice) me`,
		},
	},
	{
		name: "farewell",
		pats: []string{
			`(?:you|yall|you guys|you all|nobody|no one|anyone|u)(?: will|ll)? (?:wont|will not|will never|never|wont ever|will not ever) (?:hear from|see|talk to|have <to> deal with|have <to> worry about|hear) (?:from )?me (?:again|anymore|any more|ever again)`,
			`(?:wont|will not|will no longer|wont ever) be (?:here|around) (?:much longer|for much longer|anymore|any more|by (?:tomorrow|morning|the morning)|<to> see (?:tomorrow|the morning|another day))`,
			`(?:wont|will not|will no longer|wont ever) be alive`,
			`(?:my|a) (?:final|last) (?:message|goodbye|words) (?:to|for) (?:you all|everyone|everybody|yall|you guys|the group|all of you|my family)`,
		},
	},
	{
		// "this is my last message", not "my last message for today";
		// "goodbye forever", not "bye forever cigarettes".
		name:      "farewell",
		clauseEnd: true,
		pats: []string{
			`this (?:is|will be|is going <to> be|might be) (?:my|the) (?:last|final) (?:message|msg|text|post|check ?in|words|goodbye|time you(?:ll| will)? hear from me)`,
			`this is goodbye`,
			// "by the time you read this", not "... i'll be at the airport"
			`by the time (?:you|anyone|someone|somebody|they|u|my \w+) (?:read|reads|see|sees|get|gets|find|finds) this(?:,? (?:ill|i will|itll|it will|it ll|i ll) be (?:gone|dead|over|done|too late|in a better place))?`,
			`(?:goodbye|good bye|bye|farewell|bye bye)(?: to)?(?: everyone| everybody| all| you all| yall| guys| world| all of you| my friends| friends)? (?:forever|for ever|for good|for the last time|cruel world)`,
			`(?:saying|say|said) (?:my )?(?:final|last) goodbyes?`,
		},
	},
})

// crisisIdioms are safe phrases blanked out before the rules run, so that
// "killing it at work" or "I cut myself shaving" never reach them.
var crisisIdioms = compileCrisisPatterns(crisisIdiomPatterns)

var crisisIdiomPatterns = []string{
	// "killing it at work"
	`kill(?:ing|ed|s)? it`,
	// "this traffic is killing me", "that joke killed me"
	`(?:is|are|its|youre|this|that|joke|meme|video) kill(?:ing|s|ed) me`,
	// "I could kill for a coffee"
	`(?:could|would|d) (?:\w+ )?kill for`,
	// "dying to see you"
	`dying (?:to|for)`,
	// "this cake is to die for", not "I want to die for real"
	`(?:is|are|was|were|its|looks|look|smells|tastes) (?:\w+ )?to die for`,
	// "I'd die for a pizza"
	`(?:id|i would|would) die for`,
	// "dead tired", "dead serious"; not "better off dead right now"
	`dead (?:tired|beat|serious|bored|exhausted|funny|ringer|easy|simple)`,
	// "I nearly died laughing", "die of embarrassment"
	`(?:die|died|dying|dead)(?: of| from| with)? (?:laughing|laughter|embarrassment|boredom|cuteness|happiness|excitement|jealousy|envy|cringe)`,
	`(?:nearly|almost) (?:died|die|dying)`,
	// "I'd rather die than wear that"; not "... than go on like this"
	`rather (?:die|be dead) than (?:eat|eating|wear|wearing|be seen|watch|watching|listen|sit|sitting|admit|miss|use|using|drink|drinking|relapse|relapsing|pick up)`,
	`kill(?:ing|ed)? <self> laughing`,
	// "I could kill myself for forgetting"
	`could (?:just |honestly |literally )?kill <self> for`,
	// "killing myself at the gym"
	`killing <self> (?:at|with) (?:work|the gym|gym|training|exercise|studying|homework|overtime|revision|cardio)`,
	// "cut myself shaving", "burnt myself on the stove"; not "hurt myself while drunk"
	`(?:cut|cutting|burnt|burned|burn|burning|hurt|hurting|hit|scratched|bruised) <self> (?:shaving|cooking|chopping|baking|gardening|playing|running|lifting|skating|climbing|on (?:a|the|some)|while (?:cooking|shaving|chopping|gardening|playing|running|working out)|by accident|in the kitchen|at (?:the gym|work|practice|football|training)|when i (?:fell|tripped|slipped))`,
	`accidentally (?:cut|burnt|burned|hurt|hit|scratched) <self>`,
	// "burning myself out"
	`burn(?:ing|ed|t)? <self> out`,
	// "beating myself up about it"
	`beat(?:ing)? <self> up`,
	// "cut myself some slack"
	`cut(?:ting)? <self> (?:some )?slack`,
	`shoot(?:ing)? <self> in the foot`,
	`drown(?:ing|ed)? <self> in (?:work|coffee|tea|paperwork|homework|books|netflix|tv|music|chores|tasks|emails|study|studying|ice cream|chocolate)`,
	`(?:overdose|overdosed|overdosing|od|oding|oded) on (?:sugar|caffeine|coffee|chocolate|candy|cake|carbs|netflix|tv|anime|memes|cuteness|sunshine|sun|pizza|love|nostalgia|cheese|cookies|sweets|junk food|vitamin \w+)`,
	// "dyeing", misspelt
	`dying (?:my |her |his |their |the )?(?:hair|beard|clothes|shirt|jeans|eggs|fabric|shoes)`,
	// topics, not states: "suicide prevention training", "overdose risks"
	`(?:suicide|overdose|self ?harm|od) (?:prevention|awareness|training|risks?|rates?|statistics|stats|hotline|helpline|lifeline|deaths?|crisis|epidemic|reversal|kits?|response|support|resources|squad|mission|doors?|drills?|sprints?|runs?|workshop|course|policy|education|first aid)`,
	// "cutting back on coffee", "cutting carbs"
	`cutting (?:back|down|out|carbs|sugar|coffee|ties|corners|class|costs|it close|the grass|hair|my hair|onions|veg)`,
	// kitchen tools: "bought a new knife set"
	`(?:knife|knives) (?:set|block|sharpener)|(?:kitchen|chef|chefs|bread|butter|steak|paring) (?:knife|knives)`,
	// a recovery saying
	`(?:the )?only way out is through`,
	// absence for a while, not for ever: "ill be gone this weekend"
	`(?:be gone|be away|be around|be online|be answering)(?: much| a lot| as much)? (?:this|next|for the|for a|for|till|until|til|on|over|during) (?:\w+ )?(?:weekend|week|few days|days|while|vacation|holiday|holidays|trip|month|shift|shifts|summer|break|couple)`,
	`(?:gave|give|giving|given) away (?:all )?(?:of )?my (?:old )?(?:clothes|books|toys|furniture|junk|shoes|stuff)(?: \w+){0,2} (?:to|at) (?:goodwill|charity|the thrift store|a thrift store|salvation army|the shelter|the church|the library)`,
	`(?:counting|counted|sorting|sorted|filling|filled|refilling|count|sort|fill) (?:out )?(?:my |the )?(?:pills|meds|medication)(?: \w+){0,3} (?:for the week|for the month|organizer|pill box|pillbox|routine)`,
	`climbing rope|jump rope|skipping rope|tow rope|rope swing|rope course`, `could sleep (?:forever|for (?:a week|days|a year|ever))`,
	`(?:took|take|taking|go|going|went) (?:me |us |him |her )?(?:hunting|to the range|to the shooting range)`,
	// kilometres: "ran 5 kms"
	`(?:\d+|a few|few|couple of|a couple of|many|several|some|hundreds of|thousands of|the) kms|kms (?:away|from|per|an hour|a day|each way|round trip|north|south|east|west|long)`,
}

// The context checks: word lists for the clause around a match, and small
