"""Vietnamese and English words the bot's rules rely on, in one place (folded: lowercase, no diacritics).

Rules that read names in text (bot/knowledge/gazetteer.py, bot/knowledge/places.py) take their words from here, so
a word added for one rule is seen by all of them.
"""
from __future__ import annotations

from bot.text import canonical, expand_teencode

# The province itself: a question about "Quảng Ninh" or "QN" is about the whole province, never one site (the
# museum is "Bảo tàng Quảng Ninh", but "Quảng Ninh" alone is not the museum).
PROVINCE_NAMES = frozenset({"quang ninh", "tinh quang ninh", "qn", "quangninh"})

# Words before a name that make it an ordinary phrase, not a proper name: "một bài thơ" is a poem, "Bài Thơ" the
# mountain; proper names take no quantifier.
QUANTIFIERS = frozenset({"mot", "hai", "ba", "vai", "may", "nhung", "cac", "moi", "tung", "bai", "a", "an", "some",
                         "any"})

# Site names that are also everyday phrases ("Bài Thơ": a poem): the site only when typed as a name (with a capital)
# or asked where it is ("bai tho o dau"), never in "gửi mình bài thơ tỏ tình".
EVERYDAY_PHRASE_NAMES = frozenset({"bai tho"})
SITE_QUESTION_AFTER = frozenset({"o", "nam", "mo", "cach", "cao"})

# Two-syllable words that contain a kind word without meaning that kind: "gia đình" (family), "triều đình"
# (court), "đền bù" (compensation), "chữa bệnh" (healing, folds like "chùa"), "miếu mạo".
NOT_A_KIND = frozenset({"gia dinh", "trieu dinh", "dinh chi", "dinh cong", "dinh tre", "den bu", "den on",
                        "den dap", "chua benh", "chua chay", "chua tri", "sua chua", "chua tung", "chua co",
                        "chua biet", "chua duoc", "chua ro", "chua can", "chua muon", "chua xong", "chua dat",
                        "chua nhan", "chua thay", "chua lam", "chua di", "chua hieu", "can chua", "roi chua",
                        "mieu mao", "mieu ta", "den noi", "di den", "den day",
                        "den do", "toi den", "den luc", "den khi", "den gio", "den nay", "den duoc", "sao den",
                        "chua nhi", "xong chua", "duoc chua", "dat chua"})

# Kind words that, typed without diacritics, are also everyday words: "den" is "đền" (temple) or "đến" (to,
# until), "chua" "chùa" (pagoda) or "chưa" (not yet), "dinh" "đình" or "định" (intend). Typed so, they only
# name a site as part of a whole known name, never as "<kind> + some words" guessed at.
AMBIGUOUS_KIND_WORDS = frozenset({"den", "chua", "dinh", "mieu"})
# Typed so and alone, they are that kind only after a word that asks for sites of a kind ("có chùa nào", "các đình",
# "liệt kê đền", "đi lễ chùa") or before "nào" ("chùa nào đẹp").
KIND_CUES = frozenset("co nhung cac vai nhieu may ngoi ke sach le con bao list".split())
KIND_CUES_AFTER = frozenset({"nao"})

# "Near here" said without a place: the bot needs the visitor's own location to answer.
NEAR_ME = ("gan day", "gan toi", "gan minh", "gan em", "quanh day", "xung quanh day", "gan cho toi", "o gan",
           "near me", "nearby", "near here", "close to me", "close by", "close to my location", "around me",
           "around here", "near my location", "closest", "nearest", "gan nhat")


def says_near_me(text: str) -> bool:
    """"gần đây", "near me", "quanh đây": the visitor's own surroundings, not a named area."""
    words = f" {canonical(text)} "
    return any(f" {phrase} " in words for phrase in NEAR_ME)


# --- procedure search (bot/knowledge/retrieval.py) ---------------------------------------------------------

# Phrases that say what the user wants to know, not which procedure: removed before ranking. Removed as
# whole phrases, because their syllables also name things ("hộ" in "hồ sơ" and "hộ chiếu").
QUESTION_PHRASES: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(phrase.split()) for phrase in """
thu tuc|lam sao|lam the nao|nhu the nao|the nao|ra sao|can gi|can nhung gi|giay to|ho so|gom nhung gi|gom gi
bao lau|mat bao lau|mat may ngay|bao nhieu ngay|bao nhieu tien|bao nhieu|het bao nhieu|le phi|chi phi|mat phi
truc tuyen|dich vu cong|cong dich vu cong|ung dung|o dau|huong dan|cac buoc|cach nao|cach|tren mang
how to|how do i|how long|how much|what documents|do i need|does it take|does it cost|where can i
""".replace("\n", "|").split("|") if phrase), key=lambda words: (len(words), len(" ".join(words))), reverse=True))
# Single words of a question that name no procedure (pronouns, particles, "muốn", "được").
QUESTION_WORDS = frozenset("""
can gi nao khong ko vay voi nhe nha a oi cho hoi xin toi minh em anh chi ban ad la cua di den tai phai
duoc co muon thi sao nhung cac mot app qua tren va
i the a an my to for of is it do does get need what where when can please
""".split())
# The same words as typed with diacritics: these fold like words of names ("tôi" like "tối", "thì" like "thị",
# "bạn" like "bản", "cần" like "căn"), so a question typed with diacritics drops only these exact forms.
QUESTION_WORDS_TYPED = frozenset("""
cần gì nào không vậy với nhé à ạ ơi hỏi tôi mình chị bạn là của đi đến tại phải được có muốn thì những các một
trên và
""".split())

# Words in a procedure's name that make it a special version of a common procedure ("… có yếu tố nước ngoài",
# "… tại khu vực biên giới", "đăng ký lại …"): unless the question says them, the common version is meant.
SPECIAL_VERSIONS = ("nuoc ngoai", "bien gioi", "luu dong", "dang ky lai", "trung uong", "quan doi", "quan su",
                    "cong an nhan dan", "to chuc", "doanh nghiep", "co quan", "hop tac xa",
                    # what is done to a paper one already has: renewing, replacing, withdrawing, ending it
                    "cap lai", "cap doi", "gia han", "thu hoi", "cham dut", "xoa", "dinh chinh", "dieu chinh",
                    "tam ngung", "giai the", "cai chinh", "dang ky bien dong",
                    # a school's licence to train ("Giấy phép đào tạo lái xe"), not the licence it trains for
                    "dao tao")

# What a name says is done, when it opens by listing several ("Cấp, cấp lại, đổi …"), longest first.
LISTED_ACTIONS: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(action.split()) for action in (
    "cap", "cap lai", "cap doi", "cap moi", "doi", "dieu chinh", "gia han", "thu hoi", "cham dut", "tam ngung",
    "dang ky", "sua doi", "bo sung", "thay doi", "dinh chinh", "cai chinh", "xoa", "huy", "tiep tuc",
    # one action said in two ("xóa đăng ký", "cấp điều chỉnh"), never two listed
    "xoa dang ky", "huy dang ky", "cap dieu chinh", "cap gia han", "dang ky lai", "dang ky thay doi",
    "dang ky bo sung", "dang ky doi", "thu hoi dang ky")),
    key=len, reverse=True))

# A foreign spouse, parent or guest makes a civil-status or residence procedure one "có yếu tố nước ngoài". Countries
# as English questions name them ("a driving licence from Germany"), never one the vocabulary reads like a Vietnamese
# syllable ("laos" -> "lao", as in "lao động"; "thai" is thái); and one who says they are married to a Vietnamese, or
# that their spouse is Vietnamese, is a foreigner asking ("married to a Vietnamese citizen", "my wife is Vietnamese"),
# whereas "my Vietnamese wife's birth certificate" is about her.
FOREIGN_WORDS = frozenset("""
nuoc ngoai|nguoi nuoc ngoai|ngoai quoc|nguoi tay|viet kieu|foreign|foreigner|foreigners|trung quoc|han quoc|nguoi nhat
|nhat ban|dai loan|nguoi my|hoa ky|nguoi phap|nguoi duc|nguoi anh|nguoi uc|nguoi nga|nuoc lao|nguoi lao
|campuchia|thai lan
|singapore|nguoi an do|canada|chinese|korean|japanese|american|french|german|british|australian|russian
|nguoi han|nguoi philippines|nguoi indonesia|nguoi malaysia|nguoi campuchia|nguoi y|nguoi ha lan|nguoi thuy dien
|filipino|indonesian|malaysian|indian|italian|dutch|swedish|canadian|expat|expatriate|overseas vietnamese
|england|britain|great britain|united kingdom|usa|america|united states|japan|korea|south korea|china|taiwan|france
|germany|australia|russia|thailand|india|italy|netherlands|holland|sweden|spain|spanish|philippines|malaysia
|indonesia|cambodia|europe|european|new zealand|taiwanese|cambodian|laotian|brazil|brazilian|mexico|mexican
|married to a vietnamese|married a vietnamese|marry a vietnamese|engaged to a vietnamese
|wife is vietnamese|husband is vietnamese|spouse is vietnamese
""".replace("\n", "").split("|"))
# Countries people write as capitals, read only so: lower-case "uk" is chat for "ừ", "us" a pronoun.
FOREIGN_CAPITALS = ("UK", "U.K.", "US", "U.S.", "USA", "U.S.A.", "EU")

# The level of government a question names ("cấp xã", "trung ương"), as a procedure's levels are written.
LEVEL_WORDS = {"xa": "cap xa", "tinh": "cap tinh", "bo": "cap bo", "trung uong": "cap bo"}
# A citizen of the province goes to the commune, then the province; a ministry's version comes last.
LEVEL_PREFERENCE = ("cap xa", "cap tinh", "cap bo")

# Abbreviations of procedure names and of chat about them, both in official names ("thẻ BHYT", "công ty TNHH")
# and in questions ("đóng bhxh", "mở cty"), read as the words they stand for on both sides (folded). Only forms
# that mean one thing in this domain: "hc" (hộ chiếu / hành chính) and "gd" (gia đình / giám đốc) are left alone.
PROCEDURE_ABBREVIATIONS: dict[str, str] = {
    "bhxh": "bao hiem xa hoi", "bhyt": "bao hiem y te", "bhtn": "bao hiem that nghiep",
    "tnld": "tai nan lao dong", "bhtnld": "bao hiem tai nan lao dong", "bnn": "benh nghe nghiep",
    "tnhh": "trach nhiem huu han", "mtv": "mot thanh vien", "tncn": "thu nhap ca nhan",
    "tndn": "thu nhap doanh nghiep", "gtgt": "gia tri gia tang", "ttdb": "tieu thu dac biet",
    "kcb": "kham chua benh", "ubnd": "uy ban nhan dan", "hkd": "ho kinh doanh", "cty": "cong ty",
    "pccc": "phong chay chua chay", "cmnd": "chung minh nhan dan", "cccd": "can cuoc cong dan",
    "gcn": "giay chung nhan", "qsdd": "quyen su dung dat", "gpxd": "giay phep xay dung",
    "gplx": "giay phep lai xe", "gks": "giay khai sinh", "dkkh": "dang ky ket hon", "mst": "ma so thue",
    "lltp": "ly lich tu phap", "nvqs": "nghia vu quan su", "attp": "an toan thuc pham", "bds": "bat dong san",
    "vpdd": "van phong dai dien", "lm": "lam", "kd": "kinh doanh", "tk": "tai khoan", "vk": "vo", "ck": "chong",
    "bm": "bo me", "trc": "truoc", "ntn": "nhu the nao", "ld": "lao dong", "stk": "so tai khoan",
}


def read_in_full(folded: str) -> str:
    """Folded words with chat and procedure abbreviations read as the words they stand for ("gpxd ntn" -> "giay phep
    xay dung nhu the nao"): the one reading the gazetteer and procedure retrieval share."""
    return " ".join(PROCEDURE_ABBREVIATIONS.get(word, expand_teencode(word)) for word in folded.split())

# English words that do not change which procedure a phrase of knowledge/procedure_terms.yml means ("dissolve my
# company" says "dissolve a company"). Not "the", "to", "in", "an", "me", "that": folded, they are Vietnamese words too
# (thẻ, tổ, in, an, mẹ, thất); "my" is kept after "người" (người Mỹ).
VOCABULARY_FILLER_WORDS = frozenset("a my our your his her their its us this these those some of for at with"
                                    " please".split())

# English words of administration and the official names' words they mean, word by word rather than question by
# question: the names are Vietnamese, so an English question finds a procedure only through what its words mean.
# One line per meaning ("forms: official words"); a form matches with its plural or -ed/-ing ending, the longest
# form first at each word. Forms are English only: never a word that folds like a Vietnamese syllable ("vat" is
# vật, "lot" lọt, "tin" tín, "shop" is chat), so a question in Vietnamese without diacritics reads none of them.
ENGLISH_GLOSSARY = """
register, registration, registering, enrol, enroll, enrolment, enrollment, sign up: đăng ký
re-register, reregister, re-registration, reregistration, register again: đăng ký lại
issue, issuance, grant, obtain, apply for, application for: cấp
reissue, re-issue, replace, replacement, another copy, new copy: cấp lại
lost, lose, missing, stolen, damaged, torn, broken: bị mất cấp lại
renew, renewal, expired, expire, expiring, exchange, swap: cấp đổi đổi
extend, extension, prolong: gia hạn
change, modify, modification: thay đổi
amend, amendment: điều chỉnh sửa đổi thay đổi
update, adjust, adjustment: điều chỉnh
correct, correction, mistake, error, wrong, misspelt, misspelled, typo: cải chính
cancel, cancellation, deregister, deregistration, delete, remove: hủy xóa
revoke, revocation, withdraw a licence: thu hồi
terminate, termination, end, close, closure, shut down, close down, stop: chấm dứt
dissolve, dissolution, wind up: giải thể
suspend, suspension, pause, temporarily stop, temporarily close: tạm ngừng
resume, reopen: tiếp tục
establish, establishment, set up, setup, found, open, start, incorporate: thành lập
confirm, confirmation, verify, verification, proof, proof of: xác nhận
certify, certified, certification, authenticate, authentication, attest, notarize, notarise, notarized: chứng thực
certified copy, true copy, copy, copies: bản sao chứng thực
legalize, legalise, legalization, legalisation, consular: hợp pháp hóa lãnh sự
transfer, transferred, sell, sold, buy, bought, purchase, ownership transfer, transfer ownership: chuyển nhượng
inherit, inheritance, inherited: thừa kế
gift, donate, donation: tặng cho
mortgage, collateral, pledge: thế chấp
subdivide, subdivision, split: tách thửa
merge, merger, consolidate: hợp nhất sáp nhập
withdraw, withdrawal, claim, receive, entitle, entitlement, benefit, benefits: hưởng
pay, payment, paid: chi trả
refund, tax refund, reimburse, reimbursement: hoàn thuế
finalise, finalize, finalization, finalisation, settlement: quyết toán
declare, declaration: khai báo
notify, notification, notice, inform: thông báo
report: trình báo thông báo
approve, approval, appraise, appraisal: thẩm định phê duyệt chấp thuận
accept, acceptance, handover: nghiệm thu
inspect, inspection, roadworthiness, check-up: kiểm định kiểm tra
recognise, recognize, recognition, acknowledge, acknowledgement: công nhận nhận
adopt, adoption, adoptive: nuôi con nuôi
citizenship, nationality, naturalise, naturalize, naturalisation, naturalization: quốc tịch
renounce, renunciation, give up: thôi
regain, restore, restoration, reacquire: trở lại
complain, complaint, appeal: khiếu nại
denounce, denunciation, whistleblow: tố cáo
lawsuit, sue, petition, file a case: khởi kiện
enforce, enforcement: thi hành án
mediate, mediation, mediator: hòa giải
birth, born, newborn, baby: khai sinh
death, died, dead, deceased, passed away: khai tử
marriage, married, marry, marrying, wedding, spouse: kết hôn
divorce, divorced: ly hôn
paternity, maternity recognition: nhận cha, mẹ, con
guardian, guardianship: giám hộ
single status, marital status, unmarried: tình trạng hôn nhân
civil status, civil registry, civil record: hộ tịch
extract: trích lục
residence, resident, reside, residency: cư trú
temporary residence, temporary stay, temporarily stay, stay: tạm trú
permanent residence, permanently reside, household registration: thường trú
absence, temporary absence, away from home: tạm vắng
accommodation, lodging, guest, guests: lưu trú
passport: hộ chiếu
visa: thị thực
e-visa, evisa, electronic visa: thị thực điện tử
visa exemption, visa-exemption, visa free, visa-free: miễn thị thực
id card, identity card, citizen id, citizen identity card, chip id, chip-based id, chip card, national id: thẻ căn cước
identification, electronic identification, e-id, digital id: định danh điện tử
criminal record, police check, police clearance, background check: lý lịch tư pháp
driving licence, driving license, driver licence, driver license, driving permit: giấy phép lái xe
drivers license, driver's license, drivers licence, driver's licence: giấy phép lái xe
international driving permit, international driving licence, idp: giấy phép lái xe quốc tế
international driving license, international licence, international license: giấy phép lái xe quốc tế
licence, license, permit, licensing: giấy phép
certificate: giấy chứng nhận
practising certificate, practicing certificate, practice certificate, professional certificate: chứng chỉ hành nghề
vehicle, vehicles: xe phương tiện
motorbike, motorcycle, scooter, moped: xe mô tô xe gắn máy
car, automobile, truck, lorry: xe ô tô
number plate, license plate, licence plate, plate, plates: biển số
boat, vessel, ship, barge, ferry, ships, watercraft, jet ski, jetski: phương tiện thủy nội địa
fishing boat, fishing vessel: tàu cá
land, plot, parcel: đất
land use, land-use, land use right, land use rights: quyền sử dụng đất
red book, pink book, land title, land certificate, title deed: giấy chứng nhận quyền sử dụng đất
house, home, housing, apartment, flat, dwelling: nhà ở
build, building, construction, construct: xây dựng
renovate, renovation, repair, refurbish, extend my house: sửa chữa cải tạo
company, business, enterprise, firm, corporation, llc, jsc: doanh nghiệp
household business, sole proprietor, small business, family business, stall: hộ kinh doanh
branch: chi nhánh
representative office: văn phòng đại diện
legal representative: người đại diện theo pháp luật
charter capital, capital: vốn điều lệ
cooperative, co-op: hợp tác xã
investment, investor, invest: đầu tư
tax, taxes, taxation: thuế
tax code, tax id, tax number: mã số thuế
income: thu nhập
salary, salaries, wage, wages, pay from employment, employment income: tiền lương, tiền công
personal income tax, pit: thuế thu nhập cá nhân
value added tax, value-added tax: giá trị gia tăng
invoice, einvoice: hóa đơn
e-invoice: hóa đơn điện tử
registration fee, registration tax, before-registration tax, pre-registration tax: lệ phí trước bạ
rent, rental, lease, leasing, let out: cho thuê
social insurance: bảo hiểm xã hội
health insurance, medical insurance: bảo hiểm y tế
insurance: bảo hiểm
unemployment: thất nghiệp
pension, pensioner, retirement, retire, retired: lương hưu hưu trí
maternity, pregnancy, childbirth: thai sản
sickness, sick leave, illness: ốm đau
funeral, burial: mai táng
lump sum, lump-sum, one-off, one-time, one time: một lần
allowance, subsidy, support payment, grant money: trợ cấp
labour, labor, worker, workers, employee, employees, employer, employment: lao động
work permit: giấy phép lao động
food safety, food hygiene: an toàn thực phẩm
fire, fire safety, fire prevention, firefighting, fire protection: phòng cháy chữa cháy
securities, stock, stocks, stock market, stock exchange: chứng khoán
security and order, security: an ninh trật tự
quarantine: kiểm dịch
animal, animals: động vật
livestock, cattle, pig, pigs, poultry, cow, cows, buffalo, buffaloes, chicken, chickens: động vật trên cạn
terrestrial animal, terrestrial animals, land animal, land animals, goat, goats, duck, ducks: động vật trên cạn
plant, plants, crop, crops: thực vật
veterinary, veterinarian: thú y
drug, drugs, addiction, addict: ma túy
rehab, rehabilitation, detox: cai nghiện
legal aid, free legal: trợ giúp pháp lý
lawyer, attorney: luật sư
notary, notarial: công chứng
court: tòa án
judgment, judgement, verdict, ruling: bản án
civil: dân sự
signature: chữ ký
translator, translation, translated, interpreter: người dịch
seal, stamp: con dấu
weapon, weapons, gun, guns, firearm, firearms: vũ khí
explosive, explosives: vật liệu nổ
border, borders, frontier: biên giới
border pass: giấy thông hành
border gate, checkpoint: cửa khẩu
exit, leave the country, go abroad, emigrate, emigrating, settle abroad: xuất cảnh
entry, enter, entering, fly into, flying into, arrive in, arriving in: nhập cảnh
luggage, baggage, checked baggage, suitcase, suitcases: hành lý
exceed, exceeding, excess, in excess of, more than the, above the: vượt quá
abroad, overseas: ở nước ngoài
tourism, tourist, tour, travel agency: du lịch
fishing, fishery, fisheries, aquaculture, seafood: thủy sản
forest, forestry, timber: rừng
environment, environmental, pollution, waste: môi trường
mining, mineral, minerals, quarry: khoáng sản
poor, poverty, low income: hộ nghèo
child, children, kid, kids, minor: trẻ em
advertising, advertisement: quảng cáo
religion, religious, church, belief: tôn giáo tín ngưỡng
electronic, electronically, digital, digitally: điện tử
first time, first-time, for the first time: lần đầu
import, importing: nhập khẩu
export, exporting: xuất khẩu
customs: hải quan
real estate, property, properties: bất động sản
examination, exam, test: sát hạch
training, course: đào tạo
sidewalk, pavement, roadway: vỉa hè lòng đường
temporary, temporarily: tạm thời
mixed couple, mixed marriage, foreign husband, foreign wife, foreign spouse: nước ngoài
record, recorded, recording, note in the register: ghi vào sổ hộ tịch
survivor, survivors, survivor benefit, survivorship: tử tuất
skipper, captain, boatman, helmsman: thuyền trưởng chuyên môn
currency, foreign currency, foreign exchange, money exchange: ngoại tệ
gold, jewellery, jewelry: vàng
cash, banknotes: tiền
condo, condominium: nhà ở
ownership: sở hữu
heir, heirs, estate: di sản thừa kế
destroyed, burned, burnt, damaged beyond repair: cấp lại
stepchild, stepdaughter, stepson, stepfather, stepmother: con riêng
hospital, clinic, medical treatment: khám bệnh chữa bệnh
household, family members: hộ gia đình
compulsory, mandatory: bắt buộc
voluntary, voluntarily: tự nguyện
origin, descent, ancestry: gốc
farmer, farmers, farming, agriculture, agricultural: nông nghiệp
registration card, registration certificate, blue card: giấy chứng nhận đăng ký
bank, banks, banking: ngân hàng
credit institution, credit institutions, lender, lenders: tổ chức tín dụng
credit: tín dụng
microfinance, micro-finance: tài chính vi mô
people's credit fund, peoples credit fund, credit fund: quỹ tín dụng nhân dân
share, shares, shareholding, stake: cổ phần
bond, bonds: trái phiếu
fund, funds: quỹ
investment fund, fund management: quỹ đầu tư
audit, auditor, auditing, auditors: kiểm toán
accountant, accountants, bookkeeping, bookkeeper: kế toán
insurer, insurance company, insurance firm: doanh nghiệp bảo hiểm
reinsurance, reinsurer: tái bảo hiểm
guarantee, guarantor, surety: bảo lãnh
borrow, borrowing, foreign loan, foreign borrowing: vay
debt, debts, public debt: nợ
aircraft, airplane, aeroplane, plane, planes, drone, drones: tàu bay
airport, airports, airfield, aerodrome: sân bay
aviation, airline, airlines, air transport, flight, flights: hàng không
seagoing ship, seagoing vessel, sea-going ship, sea-going vessel, merchant ship, ocean-going ship: tàu biển
seaport, seaports, sea port, port, ports, harbour, harbor: cảng biển
maritime, shipping: hàng hải
seafarer, seafarers, sailor, sailors, crew member, crew members, crew: thuyền viên
railway, railways, railroad, rail, railroads: đường sắt
road, roads, highway, highways: đường bộ
transport, transportation, transporting: vận chuyển
haulage, freight transport, logistics, transport business: vận tải
passenger, passengers: hành khách
goods, cargo, merchandise, commodity, commodities: hàng hóa
motor vehicle, motor vehicles, motorised vehicle, motorized vehicle: xe cơ giới
construction machinery, specialised vehicle, specialized vehicle, heavy machinery: xe máy chuyên dùng
inland waterway, inland waterways, river transport, waterway, waterways: đường thủy nội địa
wharf, pier, jetty, landing stage, boat landing, dock: bến thủy nội địa
river port, inland port: cảng thủy nội địa
transit: quá cảnh
temporary import, temporarily import: tạm nhập
re-export, reexport: tái xuất
bonded warehouse: kho ngoại quan
duty-free, duty free, tax exemption, tax exempt, tax-free: miễn thuế
exempt, exemption: miễn
tax reduction, reduce tax, tax relief, tax cut: giảm thuế
reduce, reduction, decrease, lower: giảm
increase, raise: tăng
duty-free allowance, duty free allowance, duty-free limit, duty free limit, tax-free allowance: định mức miễn thuế
consent, permission, go-ahead: chấp thuận
assess, assessment, evaluate, evaluation: thẩm định
project, projects: dự án
investment policy, in-principle approval, investment approval: chủ trương đầu tư
investment registration certificate, investment certificate, irc: giấy chứng nhận đăng ký đầu tư
foreign investor, foreign investors: nhà đầu tư nước ngoài
capital contribution, contribute capital, contributed capital, buy shares, acquire shares: góp vốn, mua cổ phần
share purchase: góp vốn, mua cổ phần
limited liability company, limited company, ltd: công ty trách nhiệm hữu hạn
single-member, one-member, sole member, single member, one member: một thành viên
multi-member, multiple members, two or more members, two-member, several members: hai thành viên trở lên
joint stock company, joint-stock company, shareholding company: công ty cổ phần
partnership, partnership company: công ty hợp danh
private enterprise, private company, sole proprietorship: doanh nghiệp tư nhân
publish, publication, announce, announcement, disclose, disclosure: công bố
quality: chất lượng
conformity, standard conformity, conformity declaration: hợp quy
equipment, device, devices, appliance, appliances: thiết bị
technology, technologies: công nghệ
research, researcher, scientific research: nghiên cứu khoa học
exploration, explore, prospecting: thăm dò
exploit, exploitation, extraction: khai thác
groundwater, ground water, underground water, borehole, boreholes, drilled well: nước dưới đất
water resource, water resources: tài nguyên nước
surface water, water from a stream, water from a river: nước mặt
pond, ponds, fish pond, dig a pond: hồ, ao
wastewater, waste water, sewage, effluent: nước thải
oil and gas, petroleum: dầu khí
sea area, marine area, sea areas, marine: khu vực biển
irrigation, reservoir, reservoirs, canal: thủy lợi
dyke, dike, dykes, dikes, levee: đê điều
natural disaster, natural disasters, disaster, flood, floods, storm, typhoon: thiên tai
seed, seeds, plant variety, plant varieties, seedling, seedlings, cultivar: giống cây trồng
livestock breed, animal breed, breeding stock: giống vật nuôi
fertiliser, fertilizer, fertilisers, fertilizers: phân bón
pesticide, pesticides, plant protection, plant protection product: thuốc bảo vệ thực vật
veterinary drug, veterinary drugs, veterinary medicine, veterinary medicines, animal medicine: thuốc thú y
animal feed, feed, fodder, livestock feed: thức ăn chăn nuôi
husbandry, animal husbandry, livestock farming, livestock farm: chăn nuôi
raise livestock, raising livestock, raise cattle, raise pigs, raise poultry, raise animals: chăn nuôi
field trial, field trials, field test, field testing: khảo nghiệm
forensic, forensics, forensic examination, forensic expert, expert witness, judicial expertise: giám định tư pháp
statue, memorial, monument: tượng đài
petrol, gasoline, fuel, diesel, petrol station, gas station, filling station: xăng dầu
auction, auctions, auctioneer, auctioneers, auctioning: đấu giá
bidding, tender, tendering, procurement: đấu thầu
arbitration, arbitrator, arbitrators, arbitral, arbitration centre, arbitration center: trọng tài
commercial mediation, commercial mediator: hòa giải thương mại
bailiff, bailiffs, bailiff office: thừa phát lại
law firm, law office, legal practice: tổ chức hành nghề luật sư
insolvency, bankruptcy, bankrupt, liquidator, administrator: quản tài viên
state compensation, compensation claim, claim compensation: yêu cầu bồi thường
compensation, compensate, indemnity: bồi thường
legal advice, legal consulting, legal consultancy, legal counsel: tư vấn pháp luật
exhibition, exhibitions, trade fair, expo: triển lãm
franchise, franchising, franchisor: nhượng quyền thương mại
express delivery, courier, couriers, parcel delivery: chuyển phát nhanh
postal, postal service, postal services: bưu chính
tobacco, cigarette, cigarettes: thuốc lá
gold bar, gold bars, bullion: vàng miếng
forex, foreign exchange operations, foreign exchange activities: ngoại hối
money transfer, remittance, remittances, send money: chuyển tiền
payment service, payment services, e-wallet, ewallet, payment intermediary: dịch vụ trung gian thanh toán
account, accounts, bank account: tài khoản
deposit, deposits, savings: tiền gửi
banknote exchange, damaged banknotes, worn banknotes, torn banknotes: đổi tiền không đủ tiêu chuẩn lưu thông
treasury, state treasury: kho bạc nhà nước
accident, accidents, injury, injured: tai nạn
work accident, work accidents, workplace accident, occupational accident, occupational injury: tai nạn lao động
injured at work, industrial accident: tai nạn lao động
occupational disease, occupational illness, work-related illness: bệnh nghề nghiệp
police: công an
military, army, armed forces: quân đội
supporting tool, supporting tools, stun gun, pepper spray, baton, batons: công cụ hỗ trợ
firework, fireworks, pyrotechnic, pyrotechnics, firecracker, firecrackers: pháo hoa
submarine, submarines, submersible, submersibles: tàu lặn
seaplane, seaplanes, floatplane: thủy phi cơ
military equipment, military weapons: vũ khí quân dụng
personal data, data protection, personal information: dữ liệu cá nhân
cybersecurity, cyber security, information security, network security: an toàn thông tin
data, database: dữ liệu
population database, population data, resident data: cơ sở dữ liệu quốc gia về dân cư
account verification, authentication account, vneid account: tài khoản định danh điện tử
electronic identification account: tài khoản định danh điện tử
war invalid, war invalids, wounded soldier, wounded soldiers, disabled veteran, disabled veterans: thương binh
award, awards, commendation, reward, rewards, medal, medals, emulation: khen thưởng
appoint, appointment, appointed: bổ nhiệm
apprentice, apprenticeship, trainee, probation, probationary, internship: tập sự
notary office, notary offices, notarial office: văn phòng công chứng
mortgage registration, security interest, secured transaction, secured transactions: đăng ký biện pháp bảo đảm
security registration, security interest registration, registration of a security interest: đăng ký biện pháp bảo đảm
collateral registration: đăng ký biện pháp bảo đảm
judicial records, judicial record: lý lịch tư pháp
survey, surveying, surveyor, mapping, cartography: đo đạc và bản đồ
meteorology, weather, hydrology, hydrometeorology: khí tượng thủy văn
climate change, carbon: biến đổi khí hậu
biodiversity, wildlife, endangered species, rare species, protected species, nature reserve: đa dạng sinh học
wild animal, wild animals, wild plant, wild plants: động vật, thực vật hoang dã
wood, timber products, lumber, logs: gỗ
permanent residence card, permanent resident card, permanent residency card, green card: thẻ thường trú
temporary residence card, temporary resident card, trc: thẻ tạm trú
separate household, split household, household split, split from household, new household: tách hộ
serious illness, critical illness, terminal illness, grave illness: bệnh hiểm nghèo
technical inspection, periodic inspection, safety inspection, technical safety: an toàn kỹ thuật
convert, conversion, converting, converted: chuyển đổi
electronic transaction, electronic transactions, e-transaction, e-filing, efiling, file online: giao dịch điện tử
change of land use, land use purpose, change land use, convert land, land conversion: chuyển mục đích sử dụng đất
rezone, rezoning: chuyển mục đích sử dụng đất
change its use, change the use, change of use, change the purpose, change its purpose: chuyển mục đích sử dụng
operate, operation, operating, operations, activity, activities: hoạt động
designate, designation, designated: chỉ định
classify, classification, classified: phân loại
incentive, incentives, preferential, preference: ưu đãi
support, assistance, financial support: hỗ trợ
practise, practice, practising, practicing: hành nghề
sticker, stickers, inspection stamp: tem
shipbuilding, newly built, build a ship, new build: đóng mới
fishing port, fish port, fishing ports: cảng cá
fish farming, fish farm, shrimp farming, shrimp farm, aquaculture farm: nuôi trồng thủy sản
raise fish, raising fish, farm fish, raise shrimp, raising shrimp, aquaculture: nuôi trồng thủy sản
fry, fingerlings, broodstock, aquatic breed, aquatic breeds: giống thủy sản
disease, diseases, epidemic, outbreak, outbreaks: dịch bệnh
disease-free, disease free, disease safety: an toàn dịch bệnh
mining licence, mining license, mining permit, mining permits, mining right: giấy phép khai thác khoáng sản
mining rights: giấy phép khai thác khoáng sản
immigration, immigration office, immigration department, exit and entry: xuất nhập cảnh
stateless, statelessness, stateless person: không quốc tịch
ordinary passport, regular passport: hộ chiếu phổ thông
reactivate, reactivation, restore validity, reinstate: khôi phục giá trị sử dụng
identity certificate: giấy chứng nhận căn cước
rescue, search and rescue, lifesaving: cứu nạn, cứu hộ
security pass, security card, access card, airport pass, airside pass: thẻ kiểm soát an ninh
automated gate, automated gates, automatic gate, automatic gates, autogate, autogates: cổng kiểm soát tự động
automated immigration gate, automated immigration gates, automated border control: cổng kiểm soát tự động
driving school, driving schools, driving centre, driving center, driving instruction: đào tạo lái xe
learner car, learner vehicle, practice car, training car: xe tập lái
right-hand drive, right hand drive, rhd: tay lái bên phải
oversize, oversized, over-dimension, outsized: quá khổ
overweight, overloaded, overload, heavy load: quá tải trọng
circulate, circulation: lưu hành
level crossing, railway crossing, railroad crossing: đường ngang
connect, connection, junction, access road: đấu nối
maintenance, maintain, maintaining, upkeep: bảo trì
infrastructure: kết cấu hạ tầng
individual house, private house, single house, detached house, family house: nhà ở riêng lẻ
apartment building, apartment block, condominium building, block of flats: nhà chung cư
social housing, affordable housing, low-cost housing: nhà ở xã hội
broker, brokers, brokerage, realtor, realtors, estate agent, estate agents: môi giới
planning, zoning, master plan, urban planning: quy hoạch
architect, architects, architecture, architectural: kiến trúc
relocate, relocation: di dời
design, designs, drawings, blueprint, blueprints: thiết kế
structure, structures, construction works, building works: công trình
land allocation, allocate land, allocated land, land grant: giao đất
resettlement, resettle, resettled: tái định cư
dispute, disputes, land dispute: tranh chấp
boundary, boundaries, boundary line: ranh giới
merge plots, combine plots, consolidate plots, plot merger: hợp thửa
cadastral, cadastre, cadaster: địa chính
land use fee, land use levy, land levy, land use tax: tiền sử dụng đất
land rent, land rental, land lease fee: tiền thuê đất
landslide, landslides, erosion, subsidence: sạt lở
tax return, tax returns, tax declaration, file taxes, file tax, declare tax, tax filing: khai thuế
vat return, vat returns, vat filing: khai thuế giá trị gia tăng
vat refund, vat refunds, refund of vat: hoàn thuế giá trị gia tăng
credit-invoice method, credit invoice method, credit method, deduction method, input tax credit: phương pháp khấu trừ
monthly or quarterly, quarterly: tháng/quý
extension for filing, filing extension, extend the filing deadline, more time to file: gia hạn nộp hồ sơ khai thuế
late-payment interest, late payment interest, interest on late payment, late payment penalty: tiền chậm nộp
waive, waiver, write off: miễn
fire destroyed, destroyed by fire, damaged by fire, hit by fire: hỏa hoạn
capital share, capital stake, share of capital, contributed capital share: vốn góp
pay tax, pay taxes, tax payment, taxpayer, taxpayers: nộp thuế
corporate income tax, corporate tax, business income tax, company income tax: thuế thu nhập doanh nghiệp
excise, excise tax, excise duty, special consumption tax: thuế tiêu thụ đặc biệt
import duty, import tax, import duties, import taxes: thuế nhập khẩu
export duty, export tax, export duties, export taxes: thuế xuất khẩu
resource tax, natural resource tax, royalty, royalties: thuế tài nguyên
environmental protection tax, environment tax, fuel tax: thuế bảo vệ môi trường
late payment, late payment interest, late fee, late fees, penalty interest: tiền chậm nộp
debt relief, write off, write-off, debt cancellation, debt forgiveness: xóa nợ
receipt, receipts: biên lai
dependant, dependants, dependent, dependents, family deduction, family allowance deduction: người phụ thuộc
individual business, self-employed, freelancer, freelancers, freelance, sole trader: cá nhân kinh doanh
e-commerce, ecommerce, online shop, online store, online selling, online seller: thương mại điện tử
transaction office, sub-branch, sub branch: phòng giao dịch
bank card, debit card, credit card, atm card, payment card: thẻ ngân hàng
lend, lending: cho vay
interest rate, interest rates: lãi suất
credit information, credit rating, credit bureau, credit report, credit score: thông tin tín dụng
public offering, ipo, share offering, bond offering: chào bán
listing, listed company, list shares, stock listing: niêm yết
public company, public companies, publicly held company: công ty đại chúng
shareholder, shareholders, stockholder, stockholders: cổ đông
treasury shares, treasury stock, share buyback, buy back shares, buyback: cổ phiếu quỹ
fund certificate, fund certificates, fund units: chứng chỉ quỹ
customs declaration, customs declarations, customs form, customs clearance, clear customs: khai hải quan
certificate of origin, country of origin, rules of origin: xuất xứ
processing contract, outsourcing, subcontract, subcontracting, toll processing: gia công
export processing zone, export processing, epz: chế xuất
hs code, tariff classification, customs classification: phân loại
advance ruling, advance rulings: xác định trước
sample, samples, product sample, product samples: hàng mẫu
personal belongings, household goods, household effects, moving belongings, relocation goods: tài sản di chuyển
contract, contracts, agreement, agreements: hợp đồng
testament, last will, will and testament: di chúc
power of attorney, authorise, authorize, authorisation, authorization, proxy: ủy quyền
ethnicity, ethnic group, ethnic, ethnic minority: dân tộc
rename, name change, change name, change my name, change of name, new name: đổi tên
social insurance book, insurance book, insurance booklet: sổ bảo hiểm xã hội
health insurance card, medical insurance card, insurance card: thẻ bảo hiểm y tế
arrears, back pay, unpaid benefits, outstanding benefits, unpaid pension: truy lĩnh
contribution, contributions, contribute: đóng
premium, premiums, insurance premium, insurance premiums: phí bảo hiểm
emission, emissions, greenhouse gas, greenhouse gases, carbon credit, carbon credits: khí nhà kính
hazardous, dangerous goods, hazardous goods, dangerous cargo, hazardous materials: hàng hóa nguy hiểm
chemical, chemicals: hóa chất
precursor, precursors, explosive precursor, explosive precursors: tiền chất
fund management company, fund management companies, fund manager, asset management company: công ty quản lý quỹ
testing laboratory, testing laboratories, laboratory, laboratories, lab, labs: phòng thử nghiệm
raw material, raw materials, ingredients, input materials: nguyên liệu
urban, urban area, urban areas: đô thị
commerce, commercial, trade, trading: thương mại
water area, water areas, waters: vùng nước
store, stores, outlet, outlets, retail store: cửa hàng
alcohol, alcoholic, liquor, spirits, wine, wines: rượu
pharmaceutical, pharmaceuticals: dược
medicinal herb, medicinal herbs, medicinal plant, medicinal plants: dược liệu
shipwreck, wreck, wrecks, sunken ship, sunken, salvage: chìm đắm
dredge, dredging, dredged: nạo vét
anchor, anchorage, mooring, moor, berth, berthing: neo đậu
fairway, navigation channel, shipping channel, channel: luồng
marine pilot, maritime pilot, pilotage, harbour pilot, harbor pilot: hoa tiêu
aircraft pilot, airline pilot, pilot licence, pilot license, pilot, pilots: người lái tàu bay
environmental impact assessment, eia, environmental impact: đánh giá tác động môi trường
genetic resource, genetic resources, gene, genes, genetic: nguồn gen
species: loài
cambodia, cambodian: campuchia
house fire, burned down, burnt down, blaze: hỏa hoạn
business travel card, business travel cards, apec card, apec business travel card: thẻ abtc
pet, pets, dog, dogs, puppy, puppies: động vật
transfer the registration, transfer registration, registration transfer, transfer the title: sang tên
into my name, put in my name, into the buyer's name, into the new owner's name: sang tên
scrap, scrapped, scrapping, scrapyard, scrap yard, decommission, decommissioned, end-of-life vehicle: thu hồi
return the plates, return plates, return the number plates, hand back the plates: thu hồi biển số
permitted stay, permitted period of stay, period of stay, length of stay: tạm trú cho người nước ngoài
permission to stay: tạm trú cho người nước ngoài
extract groundwater, groundwater extraction, extract water, water extraction, household well: khai thác nước dưới đất
private well: khai thác nước dưới đất
drill wells, drilling wells, drilling rig, borehole drilling: khoan nước dưới đất
billboard, billboards, signboard, signboards, advertising board, advertising boards, advertising sign: biển quảng cáo
location, position, placement: vị trí
oversized load, oversize load, oversized cargo, oversize cargo, outsize cargo, heavy cargo: hàng siêu trường, siêu trọng
abnormal load: hàng siêu trường, siêu trọng
dig up, digging up, excavate, excavation, roadworks, road works, work on a road: thi công
modify vehicle, modify car, modify truck, modify motorbike, vehicle modification, modified vehicle: cải tạo
modified truck: cải tạo
cargo box, truck body, converted vehicle, vehicle conversion: cải tạo
safety certification, safety certificate, technical safety, roadworthiness certificate: an toàn kỹ thuật
trucking, trucking company, haulier, hauler: vận tải
international road transport, cross-border transport, international haulage: vận tải đường bộ quốc tế
china, chinese, prc, mainland china: trung quốc
state-owned house, state-owned housing, state-owned home, state-owned apartment: nhà ở cũ thuộc tài sản công
state-owned, state owned, public property, public asset, public assets: tài sản công
official housing, official residence, public-service housing, civil servant housing: nhà ở công vụ
debt freeze, freeze debt, freeze the debt, frozen debt, loan freeze, freeze a loan: khoanh nợ
record as a debt, recorded as a debt, record as debt, deferred land use fee, defer the land use fee: ghi nợ
insurance agent, insurance agents, insurance agency: đại lý bảo hiểm
agent, agents, dealer, dealers: đại lý
civil status information, civil status details, civil status data: thông tin hộ tịch
individual, individuals, private individual, private person, in a personal capacity: cá nhân
as an individual: với tư cách cá nhân
small and medium enterprise, small and medium enterprises, small and medium-sized enterprise: doanh nghiệp nhỏ và vừa
sme, smes: doanh nghiệp nhỏ và vừa
valid again, make valid again, made valid again, revalidate, revalidation: khôi phục giá trị sử dụng
locally assembled, locally made, locally manufactured, domestically assembled: sản xuất lắp ráp trong nước
domestically produced: sản xuất lắp ráp trong nước
fully online, entirely online, completely online, end-to-end online: trực tuyến toàn trình
natural resources, natural resource: tài nguyên
9-digit id, 9 digit id, nine-digit id, old id number, old id card, old identity card: chứng minh nhân dân 09 số
id number, identification number, personal identification number, personal id number: số định danh cá nhân
resume operating, resume operation, resume operations, resume activities, restore operation: phục hồi hoạt động
restore operations: phục hồi hoạt động
cooperative group, co-operative group, cooperation group: tổ hợp tác
business location, business locations, business premises, place of business: địa điểm kinh doanh
tax authority, tax authorities, tax office, tax offices, tax department: cơ quan thuế
technical inspection, periodic inspection, safety inspection, vehicle inspection: kiểm định an toàn kỹ thuật
roadworthiness test: kiểm định an toàn kỹ thuật
cites-listed, cites listed, cites appendix, cites species, under cites, cites: phụ lục cites
breed, breeding, captive breeding, rear, rearing: nuôi
belongings, household belongings, my belongings: tài sản di chuyển
extract sand, extract gravel, extract stone, extract minerals, extract coal: khai thác khoáng sản
sand and gravel, sand mining, gravel mining, quarrying: khai thác khoáng sản
driving instructor, driving instructors, driving teacher, driving teachers: giáo viên dạy thực hành lái xe
fixed route, fixed routes, fixed-route, scheduled route, scheduled routes: tuyến vận tải hành khách cố định
bus route, coach route: tuyến vận tải hành khách cố định
forest product list, forest products list, list of forest products, timber list, timber packing list: bảng kê lâm sản
produce, production, manufacture, manufacturing, producer, manufacturer: sản xuất
withholding tax, withhold tax, tax withholding, withheld tax, deduct tax at source: khấu trừ thuế
offset, offset against, set off against, net off: bù trừ
without leaving the country, without leaving vietnam, inside vietnam, inside the country, in-country: tại Việt Nam
licensed auctioneer, licensed auctioneers, property auctioneer, become an auctioneer: chứng chỉ hành nghề đấu giá
annual review, yearly review, periodic review: định kỳ hằng năm
circulation permit, permit to use public roads, permit to use the roads, road use permit: giấy phép lưu hành xe
hasn't operated, has not operated, never operated, not yet operated, not yet in operation: chưa khai thác
acknowledge a child, acknowledge child, acknowledge paternity, legally acknowledge: nhận cha, mẹ, con
recognise a child, recognize a child, recognise child, recognize child: nhận cha, mẹ, con
"""

# English forms that, read as the vocabulary reads them, are also words typed in Vietnamese ("chang": chàng, "hom":
# hôm): never read as the glossary's words, beside pyvi's syllables and the chat forms.
ENGLISH_FORMS_LIKE_SYLLABLES = frozenset("chang min hom lot vat tin man son nam".split())
# Stems the glossary's endings make of a form that are everyday English words of another meaning: "planes", "planed"
# read as "plan" ("we plan to …" is no aircraft), "listing" as "list" ("forest product list" is no stock listing),
# "belongings" as "belong" ("a reservoir that belongs to …" is no household belongings). Never read alone.
ENGLISH_STEMS_OF_OTHER_WORDS = frozenset("plan list belong".split())
# Words of a procedure question that say how, when or what kind of paper, never which procedure ("làm", "cấp", "đăng
# ký", "lại", "lần đầu", "giấy phép"): a name sharing only these with a question does not answer it ("làm sổ đỏ lần
# đầu" is no "Đăng ký xe lần đầu", "cấp đất" no "Cấp giấy xác nhận tình trạng hôn nhân", "đổi giấy phép xây dựng" no
# "Đổi giấy phép lái xe"); nor does a phrase of the vocabulary meaning only these ("xin lại" -> "cấp lại").
UNTELLING_WORDS = frozenset("lam xin cap lai doi dang ky ki nop lan dau moi thu tuc giay phep chung nhan the to don"
                            .split())
# Acts on a paper one has (replace, exchange, renew, return): a name done "lần đầu" (the first time) is not asked for.
AGAIN_ACTS = ("cap lai", "cap doi", "doi", "gia han", "thu hoi", "lam lai", "xin lai", "tam thoi")

# --- procedure mentions (bot/knowledge/gazetteer.py) ----------------------------------------------------------

# What makes a phrase of the procedure vocabulary a mention of a procedure rather than of the thing it is about: it
# names a paper or a record the state keeps, or an act only the state does ("sổ đỏ", "tạm trú", "certified copies",
# "chứng thực"): PROCEDURE_PAPERS; or an everyday administrative act done to something ("đăng ký xe", "rút bhxh"):
# PROCEDURE_ACTS. Without one the words are about everyday life ("xe máy", "trẻ em",
# "homestay", "đám cưới", "children"), which travel questions say as often as procedure questions.
PROCEDURE_PAPERS = frozenset("""
giay|the|so|bang|bang lai|ho chieu|can cuoc|chung minh nhan dan|ca vet|cavet|visa|thi thuc|bien so|ma so|to khai
|trich luc|ban sao|giay phep|chung chi|chung nhan|hop dong|di chuc|van bang|phieu|don|ho so|thu tuc
|khai sinh|khai tu|ket hon|ly hon|tam tru|thuong tru|tam vang|luu tru|ho khau|ho tich|giam ho|con nuoi
|ly lich tu phap|quoc tich|cu tru|bao hiem xa hoi|bao hiem y te|bao hiem that nghiep|quyen su dung dat
|permit|licence|license|certificate|certificates|card|passport|title|red book|pink book|deed|id|residence
|insurance|tax|fine|extract|copy|copies|registration|paperwork|cai chinh|bao tu|ly di|li di|li hon|nhan nuoi|thua ke
|di san|chung minh thu|cmt|xuat canh|nhap canh|sao y|uy quyen|chu ky|dan cu|divorce|adoption|guardianship
|inheritance|signature|power of attorney|immigration|vneid|eid|ct07|ct01|kt3|chu ho|tach ho|tach khau|cat khau
|xoa khau|nhap khau|chuyen khau|chung thuc|cong chung|sang ten|chuyen nhuong|tach thua|dang kiem|notarization
|notarisation|nop phat|phat nguoi|ho kinh doanh|household business
""".replace("\n", "").split("|"))
PROCEDURE_ACTS = frozenset("""
dang ky|dang ki|cap|cap lai|cap doi|xin|sang ten|chung thuc|cong chung|khai bao|thong bao|trinh bao|bao mat|rut
|huong|gia han|thanh lap|tam ngung|giai the|chuyen nhuong|tach thua|hop thua|cai chinh|xac nhan|dinh danh|nop
|dang kiem|kiem dinh|cham dut|thu hoi|dieu chinh|quyet toan|hoan thue|khai thue|nop thue|nop phat
|register|registering|apply|renew|replace|transfer|transferring|certify|certified|notarise|notarize|notarised
|notarized|declare|withdraw|report
""".replace("\n", "").split("|"))

# "bằng" is a licence ("thi bằng xe máy") or "by" ("đi chùa bằng xe máy"): after a verb of going and no act on a
# licence, it is the way there.
TRAVEL_VERBS = frozenset("di toi chay len xuong ghe".split())  # not "về", "đến": also "about" a licence
LICENCE_ACTS = frozenset("thi hoc lam doi cap mat co xin gia han".split())

# What asks about a procedure, never part of its name ("mất bao lâu", "ở đâu", "how much"): a phrase of the
# vocabulary holding one is a whole question, not a way to name a procedure.
QUESTION_TAILS = frozenset("bao lau|o dau|the nao|nhu the nao|bao nhieu|may ngay|how long|how much|where".split("|"))

# Words before a paper that make it what a procedure needs, not a procedure asked about ("cần giấy khai sinh").
NEEDED_WORDS = frozenset("can mang kem va voi vs need bring with and".split())
# Words after a procedure's name that start the papers to bring, not another procedure ("đăng ký kết hôn cần mang
# cccd", "register a marriage, what do I need to bring"), folded.
BRING_WORDS = ("can mang", "phai mang", "mang theo", "mang nhung", "mang gi", "kem theo", "need to bring",
               "have to bring", "should i bring", "do i bring", "to bring", "bring")
# Everyday verbs of getting something ("làm sổ đỏ", "xin LLTP", "get a red book", "set up a household business"):
# not part of the procedure's name (the contract's entity is the name), and the action reads the whole message when
# the name alone is ambiguous ("làm hộ chiếu" is the passport, "hộ chiếu" alone may be reporting one lost).
EVERYDAY_ACTS = frozenset("lam|xin|get|getting|set up|setting up|apply for|applying for|obtain|make|do".split("|"))
# Acts said just before a procedure's name that belong to the mention ("cấp lại | thẻ bhyt", "sang tên | xe").
LEADING_ACTS = (PROCEDURE_ACTS | frozenset("lam lai|doi|sua|renewing|replacing|correct|correcting|exchange"
                                           "|exchanging|add|activate|activating|create|creating".split("|"))) \
    - EVERYDAY_ACTS
# Everyday things that are a procedure's object only when an act is said before them ("register my new car", "sang tên
# xe", "transferring a motorbike"), never alone ("đi xe máy", "car rental"); with the words that may come between.
PROCEDURE_OBJECTS = ("xe", "xe may", "o to", "oto", "xe o to", "car", "motorbike", "motorcycle", "scooter", "vehicle",
                     "bike")
OBJECT_ADJECTIVES = frozenset("new used old second hand moi cu".split())
# ... and just after it, in English ("land title | transfer", "signature | certified").
TRAILING_ACTS = frozenset("transfer registration renewal replacement certified certification exchange".split())
# English words between an act and its paper ("transfer | a | red book", "renew | my | ID card"), typed as such.
DETERMINERS = frozenset("a an the my our your his her their this that".split())

# The province's towns and districts as people still call them (the former district-level units) and its best-known
# wards, as areas even where the knowledge files list no site in them yet ("đăng ký kết hôn ở Tiên Yên", "khách sạn ở
# Bãi Cháy"): written name -> the area's name.
PROVINCE_AREAS: dict[str, str] = {
    "Hạ Long": "Hạ Long", "Halong": "Hạ Long", "Móng Cái": "Móng Cái", "Cẩm Phả": "Cẩm Phả", "Uông Bí": "Uông Bí",
    "Đông Triều": "Đông Triều", "Quảng Yên": "Quảng Yên", "Vân Đồn": "Vân Đồn", "Cô Tô": "Cô Tô",
    "Tiên Yên": "Tiên Yên", "Đầm Hà": "Đầm Hà", "Hải Hà": "Hải Hà", "Bình Liêu": "Bình Liêu", "Ba Chẽ": "Ba Chẽ",
    "Hoành Bồ": "Hoành Bồ", "Bãi Cháy": "Bãi Cháy", "Hồng Gai": "Hồng Gai", "Hòn Gai": "Hồng Gai",
    "Mạo Khê": "Mạo Khê", "Tuần Châu": "Tuần Châu", "Cửa Ông": "Cửa Ông", "Cao Xanh": "Cao Xanh",
    "Hà Tu": "Hà Tu", "Hà Lầm": "Hà Lầm", "Việt Hưng": "Việt Hưng", "Hoàng Quế": "Hoàng Quế",
}
