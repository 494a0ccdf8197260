/**
 * Generated English-like text for the documents benchmark: the corpus's
 * files and the search table's chunks. Real words, drawn with Zipf-like
 * frequencies (a few very common, a long tail of rare ones) and mixed with
 * the function words PostgreSQL's english configuration drops, so that
 * to_tsvector, the GIN index and ts_headline see the shape of real prose
 * rather than uniform noise (where every word is equally common and every
 * query matches the same share of chunks). Seeded: the same seed gives the
 * same text, run after run.
 */
import { seededRandom } from "../tooling/seeded-random";

// Content words, roughly most common first: their place here is their Zipf rank.
const CONTENT_WORDS = `
time year people way day man thing woman life child world school state family student group country problem
hand part place case week company system program question work government number night point home water room
mother area money story fact month lot right study book eye job word business issue side kind head house service
friend father power hour game line end member law car city community name president team minute idea kid body
information back parent face others level office door health person art war history party result change morning
reason research girl guy moment air teacher force education foot boy age policy process music market sense nation
plan college interest death experience effect use class control care field development role effort rate heart drug
show leader light voice wife police mind price report decision son view relationship town road arm difference value
building action model season society tax director position player record paper space ground form event official
matter center couple site project activity star table need court oil situation cost industry figure street image
phone data picture practice piece land product doctor wall patient worker news test movie north love support
technology step baby computer type attention film tree source organization hair window evidence population site
culture chance brother energy period course summer plant opportunity term letter condition choice rule daughter
administration south husband floor campaign material population economy hospital church risk fire future defense
security bank west sport board subject officer private rest behavior deal performance fight throw top past goal
second bed order author fill focus foreign drop blood upon agency push nature color recently store reduce sound note
fine near movement page enter share common poor natural race concern series significant similar hot language each
usually response dead rise animal factor decade article shoot east save seven artist away scene stock career despite
central eight thus treatment beyond happy exactly protect approach lie size dog fund serious occur media ready sign
thought list individual simple quality pressure accept answer resource identify left meeting determine prepare disease
whatever success argue cup particularly amount ability staff recognize indicate character growth loss degree wonder
attack herself region television box training pretty trade election everybody physical lay general feeling standard
bill message fail outside arrive analysis benefit sex forward lawyer present section environmental glass answer skill
sister professor operation financial crime stage ok compare authority miss design sort act ten knowledge gun station
blue strategy clearly discuss indeed truth song example democratic check environment leg dark various rather laugh
guess executive set study prove hang entire rock forget claim remove manager enjoy network legal religious cold form
final main science green memory card above seat cell establish nice trial expert spring firm radio visit management
avoid imagine tonight huge ball finish yourself theory impact respond statement maintain charge popular traditional
onto reveal direction weapon employee cultural contain peace pain apply play measure wide shake fly interview manage
chair fish particular camera structure politics perform bit weight suddenly discover candidate production treat trip
evening affect inside conference unit style adult worry range mention deep edge specific writer trouble necessary
throughout challenge fear shoulder institution middle sea dream bar beautiful property instead improve stuff detail
method somebody magazine hotel soldier reflect heavy sexual bag heat marriage tough sing surface purpose exist pattern
whom skin agent owner machine gas ahead generation commercial address cancer item reality coach yard beat violence
total tend investment discussion finger garden notice collection modern task partner positive civil kitchen consumer
shot budget wish painting scientist safe agreement capital mouth nor victim newspaper threat responsibility smile
attorney score account interesting audience rich dinner vote western relate travel debate prevent citizen majority
none front born admit senior assume wind key professional mission fast alone customer suffer speech successful option
participant southern fresh eventually forest video global senate reform access restaurant judge publish relation
release own bird opinion credit critical corner concerned recall version stare safety effective neighborhood original
troop income directly hurt species immediately track basic strike sky freedom absolutely plane nobody achieve object
attitude labor refer concept client powerful perfect nine therefore conduct announce conversation examine touch please
attend completely variety sleep involved investigation nuclear researcher press conflict spirit replace british
encourage argument once camp brain feature afternoon weekend dozen possibility insurance department battle beginning
date generally african sorry crisis complete fan stick define easily hole element vision status normal chinese ship
solution stone slowly scale driver attempt park spot lack ice boat drink sun distance wood handle truck mountain
survey supposed tradition winter village refuse roll communication run screen gain resident hide gold club farm
potential european presence independent district shape reader contract crowd christian express apartment willing
strength previous band obviously horse interested target prison ride guard terms demand reporter deliver text tool
wild vehicle observe flight facility understanding average emerge advantage quick leadership earn pound basis bright
operate guest sample contribute tiny block protection settle feed collect additional highly identity title mostly
lesson faith river promote living count unless marry tomorrow technique path ear shop folk principle survive lift
border competition jump gather limit fit cry equipment worth associate critic warm aspect insist failure annual
french christmas comment responsible affair procedure regular spread chairman baseball soft ignore egg belief
demonstrate anybody murder gift religion review editor engage coffee document speed cross influence anyway threaten
commit female youth wave afraid quarter background native broad wonderful deny apparently slightly reaction twice
suit perspective growing blow construction intelligence destroy cook connection burn shoe grade context committee
hey mistake location clothes indian quiet dress promise aware neighbor function bone active extend chief combine wine
below cool voter learning bus hell dangerous remind moral united category relatively victory academic internet
healthy negative following historical medicine tour depend photo finding grab direct classroom contact justice
participate daily fair pair famous exercise knee flower tape hire familiar appropriate supply fully actor birth
search tie democracy eastern primary yesterday circle device progress bottom island exchange clean studio train
lady colleague application neck lean damage plastic tall plate hate otherwise writing male alive expression football
intend chicken army abuse theater shut map extra session danger welcome domestic lots literature rain desire
assessment injury respect northern nod paint fuel leaf dry russian instruction pool climb sweet engine fourth salt
expand importance metal fat ticket software disappear corporate strange lip reading urban mental increasingly lunch
educational somewhere farmer sugar planet favorite explore obtain enemy greatest complex surround athlete invite
repeat carefully soul scientific impossible panel meaning mom married instrument predict weather presidential
emotional commitment supreme bear pocket thin temperature surprise poll proposal consequence breath sight balance
adopt minority straight connect works teaching belong aid advice okay photograph empty regional trail novel code
somehow organize jury breast iraqi acknowledge theme storm union desk thanks fruit expensive yellow conclusion prime
shadow struggle conclude analyst dance regulation being ring largely shift revenue mark locate county appearance
package difficulty bridge recommend obvious basically generate anymore propose thinking possibly trend visitor loan
currently comfortable investor profit angry crew accident meal hearing traffic muscle notion capture prefer truly
earth japanese chest thick cash museum beauty emergency unique internal ethnic link stress content select root nose
declare appreciate actual bottle hardly setting launch file sick outcome defend duty sheet ought ensure catholic
extremely extent component mix slave rural swing copy quarterback diet wheel closely journal tank crack settlement
`;

// English function words: most of what people write, and all dropped by to_tsvector('english', …).
const FUNCTION_WORDS = `the of and to a in that is it for on was with he as be at by this had not are but from or have an they which you
were her she there would their we him been has when who will more no if out so said what up its about into than them can only other
new some could these two may then do first any my now such like our over also did just most made after should well where through`;

const SEPARATOR = /\s+/u;

export const CONTENT_VOCABULARY: readonly string[] = [...new Set(CONTENT_WORDS.trim().split(SEPARATOR))];
const FUNCTION_VOCABULARY: readonly string[] = FUNCTION_WORDS.trim().split(SEPARATOR);

/**
 * Cumulative Zipf–Mandelbrot weights, 1/(rank + 2.7): what word counts of
 * real text follow, with the very top flattened as it is in practice.
 */
function zipfCumulative(size: number): Float64Array {
  const cumulative = new Float64Array(size);
  let sum = 0;
  for (let rank = 0; rank < size; rank++) cumulative[rank] = sum += 1 / (rank + 1 + 2.7);
  for (let rank = 0; rank < size; rank++) cumulative[rank]! /= sum;
  return cumulative;
}

const CONTENT_CUMULATIVE = zipfCumulative(CONTENT_VOCABULARY.length);

export class TextGenerator {
  readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /** A content word, by Zipf rank. */
  contentWord(): string {
    const draw = this.random();
    let low = 0;
    let high = CONTENT_CUMULATIVE.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (CONTENT_CUMULATIVE[middle]! < draw) low = middle + 1;
      else high = middle;
    }
    return CONTENT_VOCABULARY[low]!;
  }

  /** Function words make up about 45 % of running English. */
  word(): string {
    return this.random() < 0.45
      ? FUNCTION_VOCABULARY[Math.floor(this.random() * FUNCTION_VOCABULARY.length)]!
      : this.contentWord();
  }

  sentence(): string {
    const words = Array.from({ length: this.between(6, 24) }, () => this.word());
    const first = words[0]!;
    words[0] = first[0]!.toUpperCase() + first.slice(1);
    // A clause break now and then, and a number: both are in real text, and the tokenizer treats them apart.
    if (words.length > 12 && this.random() < 0.4) {
      const at = this.between(4, words.length - 4);
      words[at] = `${words[at]!},`;
    }
    if (this.random() < 0.1) words.splice(this.between(1, words.length - 1), 0, String(this.between(2, 2030)));
    return `${words.join(" ")}${this.random() < 0.08 ? "?" : "."}`;
  }

  paragraph(sentences = this.between(3, 8)): string {
    return Array.from({ length: sentences }, () => this.sentence()).join(" ");
  }

  /** A heading: a few content words, capitalised. */
  title(words = this.between(2, 6)): string {
    return Array.from({ length: words }, () => {
      const word = this.contentWord();
      return word[0]!.toUpperCase() + word.slice(1);
    }).join(" ");
  }

  /** Paragraphs until the text is at least `minChars` long, cut at a sentence end before `maxChars`. */
  textOfLength(minChars: number, maxChars: number): string {
    let text = "";
    while (text.length < minChars) {
      const sentence = this.sentence();
      if (text.length + sentence.length + 1 > maxChars && text.length > 0) break;
      text += (text ? " " : "") + sentence;
    }
    return text.slice(0, maxChars);
  }
}
