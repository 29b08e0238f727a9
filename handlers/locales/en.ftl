## Bình An message catalogue, English. Same keys as vi.ftl (tests check).

greeting = Hello, this is Bình An. I am an automated assistant (not a person, not an emergency service) that helps you find safe support.
    First: are you in danger right now? And is it safe to chat on this phone?
opt-danger = I am in danger now
opt-support = I am safe and need support
opt-other = I am asking for someone else
opt-unsafe = It is not safe to chat
opt-exit = Quick exit
opt-lang = Tiếng Việt
opt-skip = Skip
opt-yes = Yes
opt-no = No
opt-share-location = 📍 Share my location
private-only = Bình An only talks in private chats. Please message the bot directly. In danger, call 113.

unsafe-bye = Please stay safe. If you need help urgently, call the numbers below. You can come back any time.
unsafe-bye-abroad = Stay safe. If you need help urgently, call { $numbers } (numbers where you are). You can come back at any time.
emergency-intro = If you are in danger, call now:
hotline-line = { $number }: { $name }{ $extra }
hotline-24-7 = 24/7
case-write-again = If you hear nothing for a while, write here again at any time: that reopens the conversation.
staff-on-duty = A staff member on duty has been told and will contact you here as soon as possible. { case-write-again }
staff-off-duty = Nobody is on duty right now. Your message has been recorded for staff to see when someone is on duty. Meanwhile, please call the 24/7 numbers above. { case-write-again }
danger-ask-location = If it is safe, share your location or type where you are (commune or ward, old district, province) so we can find the nearest help.
danger-share-consent = May the staff member on duty see this location so they can help you?
location-shared = Thank you. Only the staff member who takes your case will see this location.
location-kept-private = Your location will not be shared; it is only used to find places near you.

age-question = How old are you?
opt-under18 = Under 18
opt-adult = 18 or older
opt-age-skip = I'd rather not say
child-note = You can call 111, the child-protection line: free, 24/7, whenever you need.

need-question = What kind of help do you need?
need-shelter = A safe place to stay
need-counselling = Counselling
need-legal = Legal help
need-medical = Medical help
need-child = Help for a child
need-trafficking = Returned from trafficking
need-foreign_marriage = Marriage with a foreigner (nationality, civil status, children's birth registration)
need-livelihood = Work, livelihood, loans
need-info = Just information

where-question = Where are you? You can share your location, or type your commune or ward, old district or province (old or new names, with or without accents).
opt-no-place = I'd rather not say
where-pick = Several places share that name. Which one is yours?
opt-none-of-these = None of these
where-retry = I could not find that place. Try the province or city, for example: Nghệ An, Bắc Giang, Sài Gòn.
where-provinces = Please choose your province or city:
where-outside = That location does not seem to be in Vietnam. Here are Vietnam's national numbers.

results-intro = Places that may help you ({ $place }):
results-intro-national = Places that may help you:
results-none-near = We have no verified address near you yet. You can ask the commune People's Committee, the provincial Department of Health, or call 1900 969 680.
card-distance = about { $km } km away
card-province = in your province
card-national = nationwide
card-phone = Phone: { $phones }
card-no-phone = No verified phone number yet: a staff member can refer you.
card-address = Address: { $address }
card-confidential = The address is kept confidential to protect the people there: call the intake number.
card-hours = Hours: { $hours }
card-24-7 = Open 24/7
card-unverified = This information is not verified: please call ahead to check.
card-offers = Offers: { $offers }
offer-emergency_shelter = emergency shelter
offer-counselling = counselling
offer-psychotherapy = psychotherapy
offer-medical_care = medical care
offer-legal_aid = legal aid
offer-vocational_training = vocational training
offer-livelihood = livelihood and loans
offer-civil_registration = civil status and nationality
offer-travel_allowance = travel allowance
offer-child_protection = child protection
trusted-address-notice = Community trusted addresses are set up and managed by the commune People's Committee: you can ask the commune or ward People's Committee or the commune Women's Union for the trusted address where you live.
hotlines-close = National numbers:

next-question = What would you like to do next?
opt-talk = Talk to a staff member
opt-screen = A few safety questions
opt-another-place = Search another place
opt-done = Done

contact-consent = Would you like a social worker to contact you? Only the staff member who takes your case will see what you share.
contact-way = What is a safe way to contact you?
opt-way-chat = Message me here
opt-way-call = Phone call
contact-phone = Please type a safe phone number to call you. It is encrypted and only the staff member who takes your case will see it.
contact-phone-retry = That number does not look right. Please type digits only, for example 0912 345 678, or choose Skip.
contact-time = When is it safe to contact you?
opt-time-now = Right now
opt-time-morning = Morning
opt-time-afternoon = Afternoon
opt-time-evening = Evening
opt-time-any = Any time
contact-code = If you like, set a code word so the staff member can confirm it is you. Type it, or choose Skip.
contact-note-kept = I have noted this for the staff member.
contact-time-kept = Noted: contact at { $time }.
contact-done = Thank you. Your case code is { $code }.
contact-declined = That is fine. You can come back any time.

screen-intro = These questions help staff know who should be contacted sooner. You can skip any of them.
screen-q-weapon = Has the person ever used or threatened you with a weapon?
screen-q-threat_kill = Has the person threatened to kill you or your children?
screen-q-might_kill = Do you think the person might try to kill you?
screen-q-gun_access = Does the person have a gun, or could they easily get one?
screen-q-strangled = Has the person ever tried to choke or strangle you?
screen-q-jealous_control = Is the person violently or constantly jealous, or do they control most of your daily activities?
screen-q-separated = Have you left or separated from the person recently?
screen-q-unemployed = Is the person unemployed?
screen-q-suicide_threat = Has the person ever threatened or tried to take their own life?
screen-q-child_not_theirs = Do you have a child that the person believes is not theirs?
screen-q-stalking = Does the person follow or spy on you, or leave threatening messages?
opt-ans-yes = Yes
opt-ans-no = No
opt-ans-unsure = Not sure
opt-skip-screen = Skip these questions
screen-open = Is there anything else that worries you about your safety? You can type a few lines, or choose Skip. Only the staff member who takes your case will read it.
screen-thanks = Thank you for answering.
screen-urgent = From what you shared, we will make sure a staff member reaches you sooner.
screen-medical = Choking can cause injuries inside that you cannot see. Please see a doctor soon, or call 115.

relay-danger = Thank you for helping. Is the person in danger right now?
opt-relay-yes = Yes, in danger now
opt-relay-no = No, but they need support
opt-relay-unsure = I don't know
relay-consent = Has the person agreed that you share their situation?
opt-consent-yes = Yes, they agreed
opt-consent-no = Not yet
opt-consent-unsafe = It is not safe to ask
relay-no-consent = We will only give information and will not open a case. You can pass the numbers and places below to the person when it is safe.
relay-urgent = If violence is happening now, call 113 at once. Do not step in physically: keep yourself safe.

help = You can tap the buttons, type where you are, or type:
    /x or "exit": quick exit, deletes the conversation
    /start: start over
    /privacy: privacy
    /lang: change language (Tiếng Việt)
    In danger, call 113.
privacy = Bình An is an automated assistant, not a person and not an emergency service.
    We do not store names, usernames, account phone numbers, photos or voice messages. The session is wiped after { $minutes } minutes without a message, or at once when you use quick exit.
    If you agree to be contacted, only the staff member who takes your case sees what is needed (encrypted); cases are erased after their retention period. Your exact location is shared only if you agree, in an emergency.
    Deleting messages on your device is best-effort: some apps do not allow it all, so delete them yourself if you need to.
lang-switched = Switched to English.
protected-user = If you are in danger or someone is hurting you, call now (free, 24/7):
    111: National child-protection hotline
    113: Police
    You can also ask an adult you trust to call for you, or go to the nearest commune or ward police.
    We could not read your message: Zalo hid its content. It has been recorded for our staff to see. You can write again at any time.
media-unsupported = Sorry, I can only read text and locations. Photos, voice messages and stickers are not kept. Could you type a few words?
not-understood = I did not quite understand. Please choose one of the buttons below, or type a few words.
not-understood-human = Sorry I did not understand. Would you like to talk to a staff member?
flood-notice = You are sending many messages in a row, so I will pause for a moment. If you are in danger, call the numbers below now.
too-long = Your message was long, so I read only the beginning.
goodbye = Thank you. Please stay safe. You can come back any time by typing /start.

## Conversation (issue 16): short danger answers, abroad, questions, never a loop
opt-lang-vi = Tiếng Việt
session-restarted = Bình An was just updated, so we are starting again from the beginning. Sorry for the trouble.
emergency-others = Other numbers: { $others }
danger-sentence = If you can, go somewhere with people around, or to a neighbour you trust.
advice-strangulation = Being choked can cause hidden injuries even if you feel fine: call 115 or get a medical check at once.
advice-sexual-violence = Get medical care as soon as possible, ideally within 72 hours, even if you see no injury.
advice-self-harm = You are not alone. Call 115 now, or ask someone near you to stay with you.
staff-on-duty-short = A staff member on duty has been told and will contact you. { case-write-again }
staff-off-duty-short = No staff member is on duty now; your message has been recorded. { case-write-again }
staff-off-duty-message = No staff member is on duty right now. Your request has been recorded and staff will contact you when someone is on duty. Meanwhile, call the 24/7 numbers. { case-write-again }
card-elsewhere = in another province: { $province }
card-neighbour = in a neighbouring province
abroad-intro = You are in { $country }. Numbers you can call there:
abroad-unknown = We do not have verified numbers for this place yet. Call the Vietnamese Foreign Ministry's citizen-protection line: +84 981 84 84 84 or +84 965 41 11 18.
abroad-111-family = 111 works only inside Vietnam: your family in Vietnam can call 111 (anti-trafficking, free, 24/7) for you.
abroad-not-vietnam = Vietnam's emergency numbers cannot be called from abroad: use the numbers above.
abroad-danger-sentence = If you are in danger now, call the emergency number above. The Vietnamese embassy or consulate is there to protect Vietnamese citizens.
hotlines-24-7 = Numbers you can call 24/7:
open-prompt = You can type where you are or what you need, or type /start to begin again.
skip-ok = OK, let's skip that. If you need help urgently, call { $numbers }.
urgent-miss = I understand, take your time. You can call { $numbers } at any time.
open-miss = Sorry, I did not understand. You can type where you are (for example: Cà Mau) or what you need (for example: a place to stay), or type /start. If you are in danger, call 113.
not-understood-off-duty = Sorry I did not understand. No staff member is on duty now. Would you like to leave a request so staff contact you when someone is on duty?
need-refine = What kind of help do you need? I will search again to fit it better.
thanks-reply = You are welcome. I am still here if you need me.
alert-abroad = Abroad: { $country }
alert-danger-again = The person has just written of new danger (page { $repeat })
q-who_reads = Your messages are read by an automatic program. Only if you agree to be contacted (or in an emergency) does the staff member on your case see the details needed, encrypted.
q-stored = The conversation is deleted after { $minutes } minutes without activity, or at once when you quick-exit. We do not keep names, account phone numbers, photos or voice messages.
q-delete = Yes. Type "exit" or /x at any time: the conversation is deleted at once. On your phone, some apps do not let us delete everything: delete it yourself if needed.
q-what_bot_is = I am an automatic program, not a person and not an emergency service. I can find help near you and tell social-work staff.
q-call_for_me = I cannot call 113 for you. If you can, call 113 yourself, ask someone nearby to call, or go where there are people. I can tell staff so they contact you.
q-help_for_men = Yes. Bình An helps men too. 113 and 115 are for everyone; tell me where you are and I will find help near you.
q-someone_come = Bình An cannot send someone to your home. If you are in danger, call 113: the police can come. Our staff can contact you to work out what to do.
q-bed_tonight = I will look for a safe place to stay near you. If you are in danger right now, call 113.
q-phone_counselling = You can call the Peace House call centre on 1900 969 680 for counselling by phone (may be charged). Children can call 111 (free, 24/7).
q-where_report = Under Art. 19 of the Law on Domestic Violence Prevention and Control, the commune or ward People's Committee where the violence happened and the nearest police receive reports; you can call, text, send a petition or go in person. If you are threatened, you can ask the commune chairman for a no-contact order (Art. 25: up to 3 days each time, decided within 12 hours). Child abuse: call 111.
q-medical = Yes. Get a medical check as soon as possible, ideally within 72 hours, even if you see no injury. For an ambulance, call 115 (free, 24/7).
q-law = Under Art. 19 of the Law on Domestic Violence Prevention and Control, the commune or ward People's Committee and the nearest police receive reports. If you are threatened, you can ask the commune chairman for a no-contact order (Art. 25). For legal advice, I can find legal aid near you.

alert-title = { $tier } alert · { $code }
alert-body = Province: { $province } · Channel: { $channel } · Time: { $time }
    Reasons: { $reasons }
alert-tier-urgent = URGENT
alert-tier-routine = routine
alert-time = { $time } (Vietnam time)
alert-no-province = unknown
alert-no-reasons = contact request
alert-reason-hidden_by_zalo = message hidden by Zalo (protected user)
alert-reason-violence_now = violence now (violence_now)
alert-reason-weapon = weapon
alert-reason-threat_to_kill = threat to kill (threat_to_kill)
alert-reason-strangulation = strangulation
alert-reason-sexual_violence = sexual violence (sexual_violence)
alert-reason-confinement_trafficking = held or trafficked (confinement_trafficking)
alert-reason-self_harm = self-harm or poisoning (self_harm)
alert-reason-child_at_risk = child at risk (child_at_risk)
alert-reason-injury = injury

## Staff side
alert-volunteer = Relayed by a verified volunteer
alert-relayed = Relayed by someone else
staff-claim-button = Claim
staff-claimed-by = Claimed by { $name }.
staff-claim-ok = You have claimed case { $code }. The details were sent to you privately.
staff-already-claimed = Case { $code } was already claimed by { $name }.
staff-not-staff = Sorry, this command is only for registered staff. Nothing was changed.
staff-unknown-case = No case { $code } was found.
staff-case-details = Case { $code } · { $tier } · { $status }
    Province: { $province } · Channel: { $channel }
    Needs: { $needs }
    Reasons: { $reasons }
    { $relayed }
    Contact: { $contact }
    Code word: { $code_word }
    Location: { $location }
    Worries: { $worries }
    Reply to this message (or /reply { $code } text) to write to the person through the bot; /end { $code } to finish.
staff-none = none
staff-escalation = Nobody has claimed URGENT case { $code } ({ $province }) for { $minutes } minutes. Please claim it in the staff group now.
staff-cases-none = No open cases.
staff-cases-line = { $code } · { $tier } · { $status } · { $province } · { $claimer }
staff-closed = Case { $code } closed (outcome: { $outcome }).
staff-raised = Case { $code } is now urgent.
staff-lowered = Case { $code } is now routine (noted to improve triage).
staff-blocked = Case { $code } is marked abusive for { $hours } hours: that person only gets the emergency numbers.
staff-unblocked = Case { $code } is no longer marked abusive.
staff-oncall-on = You are on call.
staff-oncall-off = You are off call.
staff-oncall-list = On call: { $names }
staff-oncall-nobody = Nobody is on call right now.
staff-invite = Volunteer invite code (one use, expires in { $hours } hours): { $code }
    The volunteer types in the bot: /volunteer { $code }
staff-not-claimer = Only the staff member who claimed case { $code } can write to the person.
staff-not-permitted = Only the staff member who claimed case { $code }, or a supervisor, can do this. Nothing was changed.
staff-claim-in-group = Claim cases with the button on the alert in the staff group.
staff-case-closed = Case { $code } is closed.
staff-sent = Sent to the person.
staff-ended = The conversation in case { $code } has ended.
staff-usage = Usage: { $usage }
staff-from-person = { $code } · the person writes: { $text }
staff-person-left = { $code } · the person left the conversation.
staff-unreachable = The person in case { $code } cannot be reached on their channel.
staff-zalo-window-billed = { $code }: the person last wrote { $hours } hours ago. The message can still go, but after 48 hours Zalo bills it to the OA's Zalo Cloud Account. Seven days after their last message nothing can be sent.
staff-zalo-window-closed = { $code }: the person last wrote more than { $hours } hours ago. Zalo lets an Official Account write only within 7 days, so nothing was sent. When they write again you can answer at once.
operator-zalo-oa = The Zalo OA needs the operator: { $text }. Messages to Zalo OA users are being held (not lost) and will be tried again every hour.
staff-help = Staff commands:
    /cases: open cases
    /case CODE: details (sent privately)
    /close CODE OUTCOME: close a case
    /urgent CODE: raise to urgent; /routine CODE: lower to routine
    /oncall on|off, /oncall: go on or off call, and who is on
    /invite: a volunteer invite code
    /block CODE HOURS, /unblock CODE: mark abusive (the emergency numbers still go out)
    /reply CODE text, /end CODE: talk with the person through the bot
person-from-staff = Staff member: { $text }
person-handoff-ended = The staff member has ended the conversation. You can come back any time by typing /start. In danger, call 113.
volunteer-ok = Thank you. You are now a verified volunteer: the requests you relay will be marked so. Type /mycases to see their status.
volunteer-used = This code has already been used. Please ask staff for a new one.
volunteer-expired = This code has expired. Please ask staff for a new one.
volunteer-unknown = This code is not right. Please check it.
volunteer-only = This command is for verified volunteers.
volunteer-cases = The cases you relayed:
volunteer-none = You have not relayed any case yet.
volunteer-case-line = { $code }: { $status }
status-new = new, not yet claimed
status-claimed = claimed by a staff member
status-in_contact = a staff member is in contact
status-closed = closed

## --- Directory (issue 12, branch directory): place cards, and information where no place is sourced ---
offer-report_intake = receives reports of violence
card-commune = in your commune or ward
card-approximate = about { $km } km (estimated from the province centre)
card-in-person = No phone of its own in the source: you can go in person or send a petition.
card-referral = This place has no number of its own: call { $number } to be referred.
card-staff-referral = This place has no public contact number yet: Bình An staff can refer you.
card-may-have-changed = Old or undated source: this may have changed, call first to check.
info-legal = Free legal aid: every province and city has a State Legal Aid Centre (under its Department of Justice); people facing domestic violence, trafficking victims and child victims may be helped. We have no checked address for the centre near you yet: ask the commune or ward People's Committee, or call 1900 969 680 for counselling and referral.
info-livelihood = Vocational training, work, loans: we have no checked place near you yet. You can ask the commune or ward People's Committee or the commune Women's Union what help there is locally, or call 1900 969 680 for counselling and referral.
info-papers = Papers, or a child's birth registration after marrying or giving birth abroad: ask the justice and civil-status desk of the People's Committee of the commune or ward where you live; the commune Women's Union can also guide you.
info-papers-home = To redo papers (ID card, civil records, birth certificate): ask the commune or ward police and the commune or ward People's Committee where you live.
info-trafficking-111 = Trafficking: call 111, the national anti-trafficking hotline (Decree 162/2025/NĐ-CP), free, 24/7. It passes reports to the police, border guards, coast guard or the commune People's Committee. Family in Vietnam can also call 111 for you.
info-none-known-province = We do not yet know any sourced place of help in { $province }. The police and the People's Committee of your commune or ward must still receive reports of domestic violence (Law 13/2022, Art. 19); 1900 969 680 can counsel and refer you.

## convfix2: a relative in Vietnam writing about someone held abroad (two routes)
relay-abroad-intro = The person you are asking about is in { $country }. There are two ways to help:
relay-abroad-there = For them, to call in { $country }:
relay-abroad-family = For you and the family in Vietnam: call { $number } (anti-trafficking, free, 24/7) to report; the line passes reports to the police and border guards.
relay-abroad-family-protection = For you and the family in Vietnam: the citizen-protection number above can be called from Vietnam too.
relay-abroad-sentence = If they are in danger now, tell them to call the police number there, and report at once through the numbers above.

## convfix2: a question about the law from someone abroad
q-law-abroad = I have no verified information on the law in { $country } (divorce, custody, residence, being sent home), so I cannot answer this. You can ask the Vietnamese embassy or consulate (citizen protection) and the help lines in { $country } (the numbers I send you), or talk to our staff.

urgent-again = If you are in danger, call { $numbers } now.
abroad-numbers-again = Numbers you can call where you are: { $numbers }.
open-miss-abroad = Sorry, I did not understand. You can type what you need, or type /start. If you are in danger, call the emergency number of the country you are in (below).

q-stop_not_jail = To make the violence stop, you can report it to the People's Committee of your commune or ward, or to the commune police, and say what you want (Law 13/2022, Art. 19). The head of the commune police can summon the person who is violent, notably when the person harmed is an older person, a child or a person with a disability (Art. 24). If you are threatened, you can ask the commune chairman for a no-contact order (Art. 25, up to 3 days each time).
q-language = You can write here in Vietnamese or English. The 111, 113 and 115 lines answer in Vietnamese.
q-language-abroad = These numbers can speak Vietnamese: { $numbers }.

results-intro-none-near = No verified place yet in { $place }. The nearest places that can help:
results-commune-line = Or report to your commune or ward People's Committee or police (Law 13/2022, Art. 19).
card-phone-short = Phone: { $phones }
card-referral-short = Call { $number } to be referred

results-call = Call: { $numbers }
results-more-hint = Type "more" for addresses, opening hours and other numbers. In danger: call 113.
card-check-short = (call first to check)
opt-more = Show more

text-only-ok = All right, we will only text. If you want a staff member to contact you, they will write here, not call.
safe-now-ok = I am glad you are safe now. If danger comes back, write here at any time.
danger-sentence-text = If you cannot call, ask someone near you to call for you, or go where there are people. Keep writing here.
danger-sentence-safe-now = I am glad you are safe now. If danger comes back, call the numbers above.
urgent-miss-text = I am still here, keep writing. If you are in danger and cannot call, ask someone near you to call { $numbers }.

shelter-line-first = Need a place to stay: you can call now { $number }: { $name }{ $extra }
q-embassy = The Ministry of Foreign Affairs citizen-protection line: +84 981 84 84 84 (24/7). If you or your relative are abroad, tell me which country and I will find the embassy or consulate numbers.
q-embassy-abroad = The embassy, consulates and the citizen-protection line: { $numbers }.
q-tell_parents = I have no reliable source on whether 111 tells parents. When you call, you can ask first: "Can I talk without my parents knowing?". 111 is free, 24/7. Here, staff contact you only if you agree.
q-law-family = On divorce, custody, dividing property or fines, I do not have checked legal information to answer for sure.
## convfix2: a code word or cover story typed at another call-back question
contact-code-kept = I have noted this for the staff member: “{ $code }”.
where-later = That is all right: here is help that works from anywhere. Whenever you like, type your province or commune to find help closer.

relay-consent-noted = Thank you, I have noted that the person agreed.
q-what_to_do-child = For a child being abused: call 111 (free, 24/7) to report; the line passes reports to the police or the commune People's Committee. If the child is in danger now: call 113. Do not confront the person who is violent; write down what the child told you and what you saw.
q-what_to_do-relay = You can: call 113 if violence is happening now (do not step in physically); report to the commune People's Committee or police where it happens (Law 13/2022, Art. 19); pass the numbers and places below to the person when it is safe; ask the person before doing more.

## convfix2: a place in another province, from a typed province (distance from its centre)
card-elsewhere-km = in another province: { $province }, about { $km } km (estimated)
emergency-intro-text = Emergency numbers (ask someone near you to call if you cannot):
urgent-again-text = If you are in danger, ask someone near you to call { $numbers } for you. Keep writing here.
