## Bình An message catalogue, Vietnamese. Reviewed wording only: crisis content is never generated.
## Keep every key in en.ftl too (tests check). Warm, plain, never blaming.

greeting = Xin chào, đây là Bình An. Mình là chương trình tự động (không phải người thật, không phải dịch vụ cấp cứu), giúp bạn tìm nơi hỗ trợ an toàn.
    Trước hết: bạn có đang gặp nguy hiểm ngay lúc này không? Và nhắn tin trên điện thoại này có an toàn không?
opt-danger = Tôi đang gặp nguy hiểm
opt-support = Tôi an toàn, cần hỗ trợ
opt-other = Tôi hỏi giúp người khác
opt-unsafe = Không an toàn để nhắn tin
opt-exit = Thoát nhanh
opt-lang = English
opt-skip = Bỏ qua
opt-yes = Có
opt-no = Không
opt-share-location = 📍 Chia sẻ vị trí
private-only = Bình An chỉ trò chuyện riêng. Hãy nhắn tin trực tiếp cho bot. Khi nguy hiểm, hãy gọi 113.

unsafe-bye = Hãy giữ an toàn. Khi cần gấp, hãy gọi các số dưới đây. Bạn có thể quay lại bất cứ lúc nào.
unsafe-bye-abroad = Hãy giữ an toàn. Khi cần gấp, hãy gọi { $numbers } (số ở nơi bạn đang ở). Bạn có thể quay lại bất cứ lúc nào.
emergency-intro = Nếu bạn đang gặp nguy hiểm, hãy gọi ngay:
hotline-line = { $number }: { $name }{ $extra }
hotline-24-7 = 24/7
case-write-again = Nếu lâu chưa thấy ai trả lời, bạn cứ nhắn lại đây bất cứ lúc nào: cuộc trò chuyện sẽ được mở lại.
staff-on-duty = Một nhân viên trực đã được báo và sẽ liên hệ với bạn qua kênh này sớm nhất có thể. { case-write-again }
staff-off-duty = Hiện không có nhân viên trực. Tin của bạn đã được ghi lại để nhân viên xem khi có người trực. Trong lúc chờ, hãy gọi các số 24/7 ở trên. { case-write-again }
danger-ask-location = Nếu an toàn, hãy chia sẻ vị trí hoặc gõ tên nơi bạn đang ở (xã/phường, huyện cũ, tỉnh) để tìm nơi giúp đỡ gần nhất.
danger-share-consent = Bạn có đồng ý để nhân viên trực biết vị trí này để tìm cách giúp bạn không?
location-shared = Cảm ơn bạn. Chỉ nhân viên nhận trường hợp của bạn mới thấy vị trí này.
location-kept-private = Vị trí của bạn sẽ không được chia sẻ, chỉ dùng để tìm nơi gần bạn.

age-question = Bạn bao nhiêu tuổi?
opt-under18 = Dưới 18 tuổi
opt-adult = Từ 18 tuổi trở lên
opt-age-skip = Không muốn nói
child-note = Bạn có thể gọi 111, tổng đài bảo vệ trẻ em: miễn phí, 24/7, bất cứ lúc nào bạn cần.

need-question = Bạn cần hỗ trợ gì?
need-shelter = Chỗ ở an toàn
need-counselling = Tư vấn, tâm lý
need-legal = Hỗ trợ pháp lý
need-medical = Y tế
need-child = Giúp cho trẻ em
need-trafficking = Trở về sau khi bị mua bán
need-foreign_marriage = Kết hôn với người nước ngoài (quốc tịch, hộ tịch, khai sinh cho con)
need-livelihood = Việc làm, sinh kế, vay vốn
need-info = Chỉ cần thông tin

where-question = Bạn đang ở đâu? Bạn có thể chia sẻ vị trí, hoặc gõ tên xã/phường, huyện cũ hay tỉnh (tên cũ hay mới, có dấu hay không dấu đều được).
opt-no-place = Không muốn nói
where-pick = Có vài nơi trùng tên. Bạn ở nơi nào?
opt-none-of-these = Không phải các nơi này
where-retry = Mình chưa tìm được nơi này. Bạn thử gõ tên tỉnh hoặc thành phố, ví dụ: Nghệ An, Bắc Giang, Sài Gòn.
where-provinces = Bạn chọn tỉnh, thành phố của mình nhé:
where-outside = Vị trí này có vẻ không ở Việt Nam. Dưới đây là các số điện thoại quốc gia của Việt Nam.

results-intro = Những nơi có thể giúp bạn ({ $place }):
results-intro-national = Những nơi có thể giúp bạn:
results-none-near = Chúng tôi chưa có địa chỉ đã xác minh gần bạn. Bạn có thể hỏi Ủy ban nhân dân xã/phường, Sở Y tế tỉnh, hoặc gọi 1900 969 680.
card-distance = cách khoảng { $km } km
card-province = trong tỉnh của bạn
card-national = toàn quốc
card-phone = Điện thoại: { $phones }
card-no-phone = Chưa có số điện thoại đã xác minh: nhân viên có thể giới thiệu bạn.
card-address = Địa chỉ: { $address }
card-confidential = Địa chỉ được giữ bí mật để bảo vệ người ở đó: hãy gọi số tiếp nhận.
card-hours = Giờ làm việc: { $hours }
card-24-7 = Hoạt động 24/7
card-unverified = Thông tin này chưa được xác minh: hãy gọi trước để kiểm tra.
card-offers = Hỗ trợ: { $offers }
offer-emergency_shelter = chỗ ở khẩn cấp
offer-counselling = tư vấn
offer-psychotherapy = trị liệu tâm lý
offer-medical_care = chăm sóc y tế
offer-legal_aid = trợ giúp pháp lý
offer-vocational_training = học nghề
offer-livelihood = sinh kế, vay vốn
offer-civil_registration = hộ tịch, quốc tịch
offer-travel_allowance = hỗ trợ đi lại
offer-child_protection = bảo vệ trẻ em
trusted-address-notice = Địa chỉ tin cậy ở cộng đồng do Ủy ban nhân dân xã lập và quản lý: bạn có thể hỏi Ủy ban nhân dân xã/phường hoặc Hội Phụ nữ xã về địa chỉ tin cậy nơi bạn ở.
hotlines-close = Các số điện thoại quốc gia:

next-question = Bạn muốn làm gì tiếp?
opt-talk = Nói chuyện với nhân viên
opt-screen = Vài câu hỏi về an toàn
opt-another-place = Tìm ở nơi khác
opt-done = Xong

contact-consent = Bạn có muốn một nhân viên công tác xã hội liên hệ với bạn không? Chỉ nhân viên nhận trường hợp của bạn mới thấy thông tin bạn cung cấp.
contact-way = Cách nào an toàn để liên hệ với bạn?
opt-way-chat = Nhắn tin ở đây
opt-way-call = Gọi điện thoại
contact-phone = Hãy gõ số điện thoại an toàn để gọi cho bạn. Số này được mã hóa và chỉ nhân viên nhận trường hợp mới thấy.
contact-phone-retry = Số này có vẻ chưa đúng. Bạn gõ lại chỉ gồm chữ số, ví dụ 0912 345 678, hoặc chọn Bỏ qua nhé.
contact-time = Lúc nào liên hệ là an toàn cho bạn?
opt-time-now = Ngay bây giờ
opt-time-morning = Buổi sáng
opt-time-afternoon = Buổi chiều
opt-time-evening = Buổi tối
opt-time-any = Lúc nào cũng được
contact-code = Nếu muốn, hãy đặt một mật khẩu để nhân viên xác nhận đúng là bạn. Gõ mật khẩu, hoặc chọn Bỏ qua.
contact-note-kept = Mình đã ghi lại lời dặn này cho nhân viên.
contact-time-kept = Mình đã ghi: liên hệ lúc { $time }.
contact-done = Cảm ơn bạn. Mã trường hợp của bạn là { $code }.
contact-declined = Không sao. Bạn có thể quay lại bất cứ lúc nào.

screen-intro = Những câu hỏi sau giúp nhân viên biết ai cần được liên hệ nhanh hơn. Bạn có thể bỏ qua bất cứ câu nào.
screen-q-weapon = Người đó đã từng dùng hoặc dọa dùng vũ khí với bạn chưa?
screen-q-threat_kill = Người đó đã từng dọa giết bạn hoặc con bạn chưa?
screen-q-might_kill = Bạn có nghĩ người đó có thể tìm cách giết bạn không?
screen-q-gun_access = Người đó có súng, hoặc dễ dàng có súng không?
screen-q-strangled = Người đó đã từng bóp cổ hoặc làm bạn nghẹt thở chưa?
screen-q-jealous_control = Người đó có ghen tuông dữ dội, hoặc kiểm soát hầu hết việc hằng ngày của bạn không?
screen-q-separated = Gần đây bạn đã rời đi hoặc chia tay người đó chưa?
screen-q-unemployed = Người đó có đang thất nghiệp không?
screen-q-suicide_threat = Người đó đã từng dọa hoặc cố tự tử chưa?
screen-q-child_not_theirs = Bạn có con mà người đó nghĩ không phải con của họ không?
screen-q-stalking = Người đó có theo dõi, rình rập hoặc gửi tin nhắn đe dọa bạn không?
opt-ans-yes = Có
opt-ans-no = Không
opt-ans-unsure = Không chắc
opt-skip-screen = Bỏ qua các câu hỏi
screen-open = Còn điều gì khác làm bạn lo lắng về sự an toàn của mình không? Bạn có thể gõ vài dòng, hoặc chọn Bỏ qua. Chỉ nhân viên nhận trường hợp mới đọc.
screen-thanks = Cảm ơn bạn đã trả lời.
screen-urgent = Từ những gì bạn chia sẻ, chúng tôi sẽ ưu tiên để nhân viên liên hệ với bạn sớm hơn.
screen-medical = Bị bóp cổ có thể gây tổn thương bên trong dù không thấy vết. Bạn nên đi khám sớm, hoặc gọi 115.

relay-danger = Cảm ơn bạn đã giúp đỡ. Người đó có đang gặp nguy hiểm ngay lúc này không?
opt-relay-yes = Có, đang nguy hiểm
opt-relay-no = Không, nhưng cần hỗ trợ
opt-relay-unsure = Tôi không biết
relay-consent = Người đó đã đồng ý để bạn chia sẻ tình hình của họ chưa?
opt-consent-yes = Đã đồng ý
opt-consent-no = Chưa
opt-consent-unsafe = Không an toàn để hỏi
relay-no-consent = Chúng tôi sẽ chỉ đưa thông tin, không mở hồ sơ. Bạn có thể chuyển các số và địa chỉ dưới đây cho người đó khi an toàn.
relay-urgent = Nếu bạo lực đang xảy ra, hãy gọi 113 ngay. Đừng tự can thiệp bằng sức: hãy giữ an toàn cho mình.

help = Bạn có thể chọn các nút, gõ tên nơi bạn ở, hoặc gõ:
    /x hoặc "thoát": thoát nhanh và xóa cuộc trò chuyện
    /start: bắt đầu lại
    /privacy: quyền riêng tư
    /lang: đổi ngôn ngữ (English)
    Khi nguy hiểm, hãy gọi 113.
privacy = Bình An là chương trình tự động, không phải con người và không phải dịch vụ cấp cứu.
    Chúng tôi không lưu tên, tên tài khoản, số điện thoại tài khoản, ảnh hay tin nhắn thoại. Phiên trò chuyện bị xóa sau { $minutes } phút không hoạt động, hoặc ngay khi bạn thoát nhanh.
    Nếu bạn đồng ý để nhân viên liên hệ, chỉ nhân viên nhận trường hợp mới thấy thông tin cần thiết (được mã hóa); hồ sơ được xóa sau thời hạn lưu trữ. Vị trí chính xác chỉ được chia sẻ khi bạn đồng ý trong trường hợp khẩn cấp.
    Xóa tin nhắn trên máy bạn là cố gắng tốt nhất: có ứng dụng không cho xóa hết, hãy tự xóa nếu cần.
lang-switched = Đã chuyển sang tiếng Việt.
protected-user = Nếu bạn đang gặp nguy hiểm hoặc bị ai làm hại, hãy gọi ngay (miễn phí, 24/7):
    111: Tổng đài quốc gia bảo vệ trẻ em
    113: Công an
    Bạn cũng có thể nhờ một người lớn mà bạn tin tưởng gọi giúp, hoặc đến công an xã, phường gần nhất.
    Mình không đọc được tin nhắn của bạn vì Zalo đã ẩn nội dung. Tin của bạn đã được ghi lại để nhân viên xem. Bạn có thể nhắn lại bất cứ lúc nào.
media-unsupported = Xin lỗi, mình chỉ đọc được chữ và vị trí. Ảnh, tin thoại hay nhãn dán không được lưu lại. Bạn gõ vài chữ giúp mình nhé.
not-understood = Mình chưa hiểu ý bạn. Bạn chọn một trong các nút bên dưới, hoặc gõ ngắn gọn nhé.
not-understood-human = Xin lỗi vì mình chưa hiểu. Bạn có muốn nói chuyện với một nhân viên không?
flood-notice = Bạn đang gửi nhiều tin nhắn liên tiếp nên mình sẽ tạm dừng một chút. Nếu bạn đang gặp nguy hiểm, hãy gọi ngay các số dưới đây.
too-long = Tin nhắn dài nên mình chỉ đọc phần đầu.
goodbye = Cảm ơn bạn. Hãy giữ an toàn. Bạn có thể quay lại bất cứ lúc nào bằng cách gõ /start.

## Conversation (issue 16): short danger answers, abroad, questions, never a loop
opt-lang-vi = Tiếng Việt
session-restarted = Bình An vừa được cập nhật nên mình bắt đầu lại từ đầu. Xin lỗi vì sự bất tiện.
emergency-others = Số khác: { $others }
danger-sentence = Nếu có thể, hãy ra chỗ đông người hoặc nhà hàng xóm tin cậy.
advice-strangulation = Bị bóp cổ có thể gây tổn thương bên trong dù bạn thấy bình thường: hãy gọi 115 hoặc đi khám ngay.
advice-sexual-violence = Hãy đi khám càng sớm càng tốt, tốt nhất trong vòng 72 giờ, kể cả khi không thấy vết thương.
advice-self-harm = Bạn không một mình. Hãy gọi 115 ngay, hoặc nhờ một người ở gần ở bên bạn.
staff-on-duty-short = Một nhân viên trực đã được báo và sẽ liên hệ với bạn. { case-write-again }
staff-off-duty-short = Hiện không có nhân viên trực; tin của bạn đã được ghi lại. { case-write-again }
staff-off-duty-message = Hiện không có nhân viên trực. Yêu cầu của bạn đã được ghi lại và nhân viên sẽ liên hệ khi có người trực. Trong lúc chờ, hãy gọi các số 24/7. { case-write-again }
card-elsewhere = ở tỉnh khác: { $province }
card-neighbour = ở tỉnh lân cận
abroad-intro = Bạn đang ở { $country }. Các số có thể gọi ở đó:
abroad-unknown = Mình chưa có số điện thoại đã xác minh cho nơi này. Hãy gọi Tổng đài Bảo hộ công dân của Bộ Ngoại giao: +84 981 84 84 84 hoặc +84 965 41 11 18.
abroad-111-family = 111 chỉ gọi được ở Việt Nam: người nhà bạn ở Việt Nam có thể gọi 111 (chống mua bán người, miễn phí, 24/7) thay bạn.
abroad-not-vietnam = Các số khẩn cấp của Việt Nam không gọi được từ nước ngoài: hãy dùng các số ở trên.
abroad-danger-sentence = Nếu đang nguy hiểm, hãy gọi số khẩn cấp ở trên. Đại sứ quán hoặc Tổng lãnh sự quán Việt Nam có trách nhiệm bảo hộ công dân.
hotlines-24-7 = Các số gọi được 24/7:
open-prompt = Bạn có thể gõ nơi bạn đang ở hoặc điều bạn cần, hoặc gõ /start để bắt đầu lại.
skip-ok = Được, mình bỏ qua câu này. Khi cần gấp, hãy gọi { $numbers }.
urgent-miss = Mình hiểu, bạn cứ từ từ. Bạn có thể gọi { $numbers } bất cứ lúc nào.
open-miss = Mình chưa hiểu. Bạn có thể gõ tên nơi bạn ở (ví dụ: Cà Mau) hoặc điều bạn cần (ví dụ: chỗ ở tạm), hoặc gõ /start. Khi nguy hiểm, hãy gọi 113.
not-understood-off-duty = Xin lỗi vì mình chưa hiểu. Hiện không có nhân viên trực. Bạn có muốn để lại yêu cầu để nhân viên liên hệ khi có người trực không?
need-refine = Bạn cần hỗ trợ gì cụ thể? Mình sẽ tìm lại cho đúng hơn.
thanks-reply = Không có gì. Mình vẫn ở đây nếu bạn cần.
alert-abroad = Ở nước ngoài: { $country }
alert-danger-again = Người này vừa nhắn thêm về nguy hiểm mới (lần { $repeat })
q-who_reads = Tin nhắn của bạn được một chương trình tự động đọc. Chỉ khi bạn đồng ý để nhân viên liên hệ (hoặc khi khẩn cấp), nhân viên nhận trường hợp của bạn mới thấy những thông tin cần thiết, đã được mã hóa.
q-stored = Cuộc trò chuyện bị xóa sau { $minutes } phút không hoạt động, hoặc ngay khi bạn thoát nhanh. Chúng tôi không lưu tên, số điện thoại tài khoản, ảnh hay tin nhắn thoại.
q-delete = Có. Gõ "thoát" hoặc /x bất cứ lúc nào: cuộc trò chuyện bị xóa ngay. Trên máy bạn, có ứng dụng không cho xóa hết tin: hãy tự xóa nếu cần.
q-what_bot_is = Mình là chương trình tự động, không phải người thật và không phải dịch vụ cấp cứu. Mình có thể tìm nơi hỗ trợ gần bạn và báo cho nhân viên công tác xã hội.
q-call_for_me = Mình không gọi được 113 thay bạn. Nếu có thể, hãy tự gọi 113, hoặc nhờ người ở gần gọi giúp, hoặc chạy đến nơi đông người. Mình có thể báo nhân viên để họ liên hệ với bạn.
q-help_for_men = Có. Bình An giúp cả nam giới. 113 và 115 dành cho mọi người; bạn cho mình biết bạn ở đâu để tìm nơi hỗ trợ gần bạn.
q-someone_come = Bình An không cử người đến nhà được. Khi nguy hiểm, hãy gọi 113: công an có thể đến. Nhân viên của chúng tôi có thể liên hệ với bạn để cùng tìm cách.
q-bed_tonight = Mình sẽ tìm chỗ ở an toàn gần bạn. Khi nguy hiểm ngay bây giờ, hãy gọi 113.
q-phone_counselling = Bạn có thể gọi Tổng đài Ngôi nhà Bình yên 1900 969 680 để được tư vấn qua điện thoại (có thể mất phí). Trẻ em gọi 111 (miễn phí, 24/7).
q-where_report = Theo Luật Phòng, chống bạo lực gia đình (Điều 19), Ủy ban nhân dân xã/phường nơi xảy ra bạo lực và cơ quan Công an gần nhất là nơi tiếp nhận tin báo; bạn có thể gọi điện, nhắn tin, gửi đơn hoặc đến trực tiếp. Nếu bị đe dọa, bạn có thể đề nghị Chủ tịch UBND xã ra quyết định cấm tiếp xúc (Điều 25, tối đa 3 ngày mỗi lần, quyết định trong 12 giờ). Xâm hại trẻ em: gọi 111.
q-medical = Có. Hãy đi khám càng sớm càng tốt, tốt nhất trong vòng 72 giờ, kể cả khi không thấy vết thương. Cần cấp cứu: gọi 115 (miễn phí, 24/7).
q-law = Theo Luật Phòng, chống bạo lực gia đình (Điều 19), Ủy ban nhân dân xã/phường và cơ quan Công an gần nhất tiếp nhận tin báo. Nếu bị đe dọa, bạn có thể đề nghị Chủ tịch UBND xã ra quyết định cấm tiếp xúc (Điều 25). Để được tư vấn pháp lý, mình có thể tìm nơi trợ giúp pháp lý gần bạn.

alert-title = Cảnh báo { $tier } · { $code }
alert-body = Tỉnh: { $province } · Kênh: { $channel } · Lúc: { $time }
    Lý do: { $reasons }
alert-tier-urgent = KHẨN CẤP
alert-tier-routine = thường
alert-time = { $time } (giờ VN)
alert-no-province = chưa rõ
alert-no-reasons = yêu cầu liên hệ
alert-reason-hidden_by_zalo = tin nhắn bị Zalo ẩn (người dùng được bảo vệ)
alert-reason-violence_now = bạo lực đang xảy ra (violence_now)
alert-reason-weapon = vũ khí (weapon)
alert-reason-threat_to_kill = dọa giết (threat_to_kill)
alert-reason-strangulation = bóp cổ (strangulation)
alert-reason-sexual_violence = bạo lực tình dục (sexual_violence)
alert-reason-confinement_trafficking = giam giữ, mua bán người (confinement_trafficking)
alert-reason-self_harm = tự hại, ngộ độc (self_harm)
alert-reason-child_at_risk = trẻ em gặp nguy (child_at_risk)
alert-reason-injury = bị thương (injury)

## Staff side (staff and volunteers; staff see Vietnamese by default)
alert-volunteer = Chuyển tiếp bởi tình nguyện viên đã xác minh
alert-relayed = Chuyển tiếp bởi người khác
staff-claim-button = Nhận xử lý
staff-claimed-by = Đã được { $name } nhận.
staff-claim-ok = Bạn đã nhận trường hợp { $code }. Chi tiết đã được gửi riêng cho bạn.
staff-already-claimed = Trường hợp { $code } đã được { $name } nhận.
staff-not-staff = Xin lỗi, lệnh này chỉ dành cho nhân viên đã đăng ký. Không có gì thay đổi.
staff-unknown-case = Không tìm thấy trường hợp { $code }.
staff-case-details = Trường hợp { $code } · { $tier } · { $status }
    Tỉnh: { $province } · Kênh: { $channel }
    Nhu cầu: { $needs }
    Lý do: { $reasons }
    { $relayed }
    Liên hệ: { $contact }
    Mật khẩu: { $code_word }
    Vị trí: { $location }
    Điều lo lắng: { $worries }
    Trả lời tin nhắn này (hoặc /reply { $code } nội dung) để nhắn cho người đó qua bot; /end { $code } để kết thúc.
staff-none = không có
staff-escalation = Chưa ai nhận trường hợp KHẨN CẤP { $code } ({ $province }), đã { $minutes } phút. Hãy nhận ngay trong nhóm nhân viên.
staff-cases-none = Không có trường hợp nào đang mở.
staff-cases-line = { $code } · { $tier } · { $status } · { $province } · { $claimer }
staff-closed = Đã đóng trường hợp { $code } (kết quả: { $outcome }).
staff-raised = Trường hợp { $code } đã được nâng lên khẩn cấp.
staff-lowered = Trường hợp { $code } đã được hạ xuống thường (ghi nhận để cải thiện phân loại).
staff-blocked = Đã đánh dấu trường hợp { $code } là quấy rối trong { $hours } giờ: người đó chỉ nhận được các số khẩn cấp.
staff-unblocked = Đã bỏ đánh dấu quấy rối cho trường hợp { $code }.
staff-oncall-on = Bạn đang trực.
staff-oncall-off = Bạn đã thôi trực.
staff-oncall-list = Đang trực: { $names }
staff-oncall-nobody = Hiện không ai đang trực.
staff-invite = Mã mời tình nguyện viên (dùng một lần, hết hạn sau { $hours } giờ): { $code }
    Người nhận gõ trong bot: /volunteer { $code }
staff-not-claimer = Chỉ người đã nhận trường hợp { $code } mới nhắn được cho người đó.
staff-not-permitted = Chỉ người đã nhận trường hợp { $code } hoặc giám sát viên mới làm được việc này. Không có gì thay đổi.
staff-claim-in-group = Hãy nhận trường hợp bằng nút trên cảnh báo trong nhóm nhân viên.
staff-case-closed = Trường hợp { $code } đã đóng.
staff-sent = Đã gửi cho người đó.
staff-ended = Đã kết thúc trò chuyện trong trường hợp { $code }.
staff-usage = Cách dùng: { $usage }
staff-from-person = { $code } · người đó viết: { $text }
staff-person-left = { $code } · người đó đã rời cuộc trò chuyện.
staff-unreachable = Không thể nhắn cho người trong trường hợp { $code } qua kênh của họ.
staff-zalo-window-billed = { $code }: người đó nhắn lần cuối { $hours } giờ trước. Tin vẫn gửi được, nhưng vì đã quá 48 giờ nên Zalo tính phí vào Zalo Cloud Account của OA. Sau 7 ngày kể từ lần nhắn cuối của họ thì không gửi được nữa.
staff-zalo-window-closed = { $code }: người đó nhắn lần cuối hơn { $hours } giờ trước. Zalo không cho Official Account nhắn sau 7 ngày, nên tin chưa được gửi. Khi người đó nhắn lại, bạn trả lời được ngay.
operator-zalo-oa = Zalo OA cần người vận hành xử lý: { $text }. Các tin gửi qua Zalo OA đang được giữ lại (không mất) và sẽ được thử gửi lại sau mỗi giờ.
staff-help = Lệnh cho nhân viên:
    /cases: các trường hợp đang mở
    /case MÃ: chi tiết (gửi riêng)
    /close MÃ KẾT_QUẢ: đóng trường hợp
    /urgent MÃ: nâng lên khẩn cấp; /routine MÃ: hạ xuống thường
    /oncall on|off, /oncall: trực và ai đang trực
    /invite: mã mời tình nguyện viên
    /block MÃ GIỜ, /unblock MÃ: đánh dấu quấy rối (vẫn nhận số khẩn cấp)
    /reply MÃ nội dung, /end MÃ: nói chuyện với người đó qua bot
person-from-staff = Nhân viên: { $text }
person-handoff-ended = Nhân viên đã kết thúc cuộc trò chuyện. Bạn có thể quay lại bất cứ lúc nào bằng cách gõ /start. Khi nguy hiểm, hãy gọi 113.
volunteer-ok = Cảm ơn bạn. Bạn đã là tình nguyện viên đã xác minh: các yêu cầu bạn chuyển sẽ được đánh dấu. Gõ /mycases để xem tình trạng.
volunteer-used = Mã này đã được dùng rồi. Bạn xin nhân viên mã mới nhé.
volunteer-expired = Mã này đã hết hạn. Bạn xin nhân viên mã mới nhé.
volunteer-unknown = Mã này chưa đúng. Bạn kiểm tra lại giúp mình nhé.
volunteer-only = Lệnh này dành cho tình nguyện viên đã xác minh.
volunteer-cases = Các trường hợp bạn đã chuyển:
volunteer-none = Bạn chưa chuyển trường hợp nào.
volunteer-case-line = { $code }: { $status }
status-new = mới, chưa ai nhận
status-claimed = đã có nhân viên nhận
status-in_contact = nhân viên đang liên hệ
status-closed = đã đóng

## --- Danh bạ (issue 12, nhánh directory): thẻ nơi hỗ trợ và thông tin khi chưa có nơi có nguồn ---
offer-report_intake = tiếp nhận tin báo bạo lực
card-commune = ở xã/phường của bạn
card-approximate = cách khoảng { $km } km (ước tính từ trung tâm tỉnh)
card-in-person = Không có số riêng trong nguồn: bạn có thể đến trực tiếp hoặc gửi đơn.
card-referral = Nơi này không có số riêng: gọi { $number } để được giới thiệu.
card-staff-referral = Nơi này chưa có số liên lạc công khai: nhân viên Bình An có thể giới thiệu bạn.
card-may-have-changed = Nguồn cũ hoặc không ghi ngày: thông tin có thể đã thay đổi, hãy gọi trước để kiểm tra.
info-legal = Trợ giúp pháp lý miễn phí: mỗi tỉnh, thành phố có Trung tâm Trợ giúp pháp lý nhà nước (thuộc Sở Tư pháp); người bị bạo lực gia đình, người bị mua bán và trẻ em bị hại có thể được trợ giúp. Chúng tôi chưa có địa chỉ đã kiểm tra của trung tâm ở gần bạn: hãy hỏi Ủy ban nhân dân xã/phường, hoặc gọi 1900 969 680 để được tư vấn và giới thiệu.
info-livelihood = Học nghề, việc làm, vay vốn: chúng tôi chưa có nơi đã kiểm tra ở gần bạn. Bạn có thể hỏi Ủy ban nhân dân xã/phường hoặc Hội Liên hiệp Phụ nữ xã/phường về hỗ trợ ở địa phương, hoặc gọi 1900 969 680 để được tư vấn và giới thiệu.
info-papers = Giấy tờ, khai sinh cho con sau khi kết hôn hoặc sinh con ở nước ngoài: hãy hỏi bộ phận tư pháp – hộ tịch của Ủy ban nhân dân xã/phường nơi bạn ở; Hội Liên hiệp Phụ nữ xã/phường cũng có thể hướng dẫn bạn.
info-papers-home = Làm lại giấy tờ (căn cước, hộ tịch, khai sinh): hãy hỏi Công an xã/phường và Ủy ban nhân dân xã/phường nơi bạn ở.
info-trafficking-111 = Mua bán người: gọi 111, tổng đài quốc gia phòng, chống mua bán người (Nghị định 162/2025/NĐ-CP), miễn phí, 24/7. Tổng đài chuyển tin báo đến công an, bộ đội biên phòng, cảnh sát biển hoặc Ủy ban nhân dân xã. Người thân ở Việt Nam cũng có thể gọi 111 thay bạn.
info-none-known-province = Chúng tôi chưa biết nơi hỗ trợ nào có nguồn ở { $province }. Công an và Ủy ban nhân dân xã/phường nơi bạn ở vẫn phải tiếp nhận tin báo bạo lực gia đình (Luật 13/2022, Điều 19); 1900 969 680 có thể tư vấn và giới thiệu.

## convfix2: a relative in Vietnam writing about someone held abroad (two routes)
relay-abroad-intro = Người bạn hỏi đang ở { $country }. Có hai cách giúp:
relay-abroad-there = Cho người ấy, gọi ở { $country }:
relay-abroad-family = Cho bạn và gia đình ở Việt Nam: gọi { $number } (phòng, chống mua bán người, miễn phí, 24/7) để báo tin; tổng đài chuyển tin đến công an và bộ đội biên phòng.
relay-abroad-family-protection = Cho bạn và gia đình ở Việt Nam: số Bảo hộ công dân ở trên gọi được cả từ Việt Nam.
relay-abroad-sentence = Nếu người ấy đang gặp nguy hiểm, hãy nhắn họ gọi số cảnh sát ở đó, và báo tin ngay qua các số trên.

## convfix2: a question about the law from someone abroad
q-law-abroad = Mình chưa có thông tin đã kiểm chứng về luật ở { $country } (ly hôn, nuôi con, cư trú, bị đưa về nước), nên mình không trả lời được câu này. Bạn có thể hỏi Đại sứ quán hoặc Tổng lãnh sự quán Việt Nam (bảo hộ công dân) và các đường dây hỗ trợ ở { $country } (các số mình gửi cho bạn), hoặc nói chuyện với nhân viên của chúng tôi.

urgent-again = Khi nguy hiểm, hãy gọi ngay { $numbers }.
abroad-numbers-again = Các số gọi được ở nơi bạn đang ở: { $numbers }.
open-miss-abroad = Mình chưa hiểu. Bạn có thể gõ điều bạn cần, hoặc gõ /start. Khi nguy hiểm, hãy gọi số khẩn cấp của nước bạn đang ở (bên dưới).

q-stop_not_jail = Để bạo lực dừng lại, bạn có thể báo cho Ủy ban nhân dân xã/phường nơi bạn ở hoặc Công an xã/phường và nói rõ điều bạn muốn (Luật 13/2022, Điều 19). Trưởng Công an xã có thể gọi người gây bạo lực lên làm việc, nhất là khi người bị bạo lực là người cao tuổi, trẻ em hay người khuyết tật (Điều 24). Nếu bị đe dọa, bạn có thể đề nghị Chủ tịch Ủy ban nhân dân xã ra quyết định cấm tiếp xúc (Điều 25, tối đa 3 ngày mỗi lần).
q-language = Bạn có thể nhắn ở đây bằng tiếng Việt hoặc tiếng Anh. Các tổng đài 111, 113, 115 trả lời bằng tiếng Việt.
q-language-abroad = Những số này nói được tiếng Việt: { $numbers }.

results-intro-none-near = Chưa có nơi đã xác minh ở { $place }. Những nơi có thể giúp bạn, gần nhất:
results-commune-line = Hoặc báo Ủy ban nhân dân, Công an xã/phường nơi bạn ở (Luật 13/2022, Điều 19).
card-phone-short = Điện thoại: { $phones }
card-referral-short = Gọi { $number } để được giới thiệu

results-call = Gọi: { $numbers }
results-more-hint = Gõ "thêm" để xem địa chỉ, giờ mở cửa và các số khác. Nguy hiểm: gọi 113.
card-check-short = (nên gọi trước)
opt-more = Xem thêm

text-only-ok = Được, mình chỉ nhắn tin với bạn. Nếu bạn muốn nhân viên liên hệ, họ sẽ nhắn tin ở đây, không gọi điện.
safe-now-ok = Mình mừng là bây giờ bạn đã an toàn. Nếu nguy hiểm quay lại, bạn cứ nhắn ở đây bất cứ lúc nào.
danger-sentence-text = Nếu không gọi được, hãy nhờ người ở gần gọi giúp, hoặc ra chỗ đông người. Bạn cứ nhắn ở đây.
danger-sentence-safe-now = Mình mừng là bây giờ bạn đã an toàn. Nếu nguy hiểm quay lại, hãy gọi số ở trên.
urgent-miss-text = Mình vẫn ở đây, bạn cứ nhắn. Nếu nguy hiểm mà không gọi được, hãy nhờ người ở gần gọi { $numbers }.

shelter-line-first = Cần chỗ ở tạm: bạn có thể gọi ngay { $number }: { $name }{ $extra }
q-embassy = Tổng đài Bảo hộ công dân của Bộ Ngoại giao: +84 981 84 84 84 (24/7). Nếu bạn hay người thân đang ở nước ngoài, cho mình biết nước nào để tìm số đại sứ quán, lãnh sự quán.
q-embassy-abroad = Đại sứ quán, lãnh sự quán và tổng đài bảo hộ công dân: { $numbers }.
q-tell_parents = Mình không có nguồn chắc chắn về việc 111 có báo cho bố mẹ hay không. Khi gọi, bạn có thể hỏi ngay: "Em có thể kể mà bố mẹ không biết không?". 111 miễn phí, 24/7. Ở đây, nhân viên chỉ liên hệ với bạn khi bạn đồng ý.
q-law-family = Về ly hôn, quyền nuôi con, chia tài sản hay mức phạt, mình chưa có thông tin pháp lý đã kiểm chứng để trả lời chắc chắn.
## convfix2: a code word or cover story typed at another call-back question
contact-code-kept = Mình đã ghi lại lời dặn cho nhân viên: «{ $code }».
where-later = Không sao, đây là những nơi giúp được ở mọi nơi. Khi muốn, bạn cứ gõ tên tỉnh hoặc xã/phường để tìm gần hơn.

relay-consent-noted = Cảm ơn bạn, mình ghi nhận người đó đã đồng ý.
q-what_to_do-child = Với trẻ bị bạo hành: gọi 111 (miễn phí, 24/7) để báo; tổng đài chuyển tin đến công an hoặc Ủy ban nhân dân xã/phường. Nếu em đang gặp nguy hiểm ngay: gọi 113. Đừng tự đối chất với người gây bạo lực; hãy ghi lại điều em kể và điều bạn thấy.
q-what_to_do-relay = Bạn có thể: gọi 113 nếu bạo lực đang xảy ra (đừng tự can thiệp bằng sức); báo Ủy ban nhân dân hoặc Công an xã/phường nơi xảy ra (Luật 13/2022, Điều 19); chuyển các số và địa chỉ dưới đây cho người đó khi an toàn; hỏi ý người đó trước khi làm gì thêm.

## convfix2: a place in another province, from a typed province (distance from its centre)
card-elsewhere-km = ở tỉnh khác: { $province }, khoảng { $km } km (ước tính)
emergency-intro-text = Số khẩn cấp (nhờ người ở gần gọi giúp nếu bạn không gọi được):
urgent-again-text = Nếu nguy hiểm, hãy nhờ người ở gần gọi { $numbers } giúp bạn. Bạn cứ nhắn ở đây.
