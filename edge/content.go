package edge

import "callme/actors"

type adsReply struct {
	Errmsg string   `json:"errmsg"`
	PicIDs []string `json:"pic_ids"`
}

// setAds serves /callme/admin/ads: 1 to actors.MaxAds files in field
// picture, or pic_ids naming stored pictures.
func (r *REST) setAds(f *fields, pictures [][]byte) (any, error) {
	session, picIDs := f.text("session_id"), f.optTexts("pic_ids")
	if err := f.Err(); err != nil {
		return nil, err
	}
	ids, err := r.engine.SetAds(session, pictures, picIDs)
	return adsReply{Errmsg: "ok", PicIDs: ids}, err
}

// historyEntry is a product the user bought, on the home page.
type historyEntry struct {
	ProductID     int64  `json:"product_id"`
	ProductImgURL string `json:"product_img_url"`
	ProductName   string `json:"product_name"`
}

// randomEntry is a product on sale, on the home page. UserImgURL is the
// avatar of the shop's seller, empty when the seller has set none.
type randomEntry struct {
	ProductID     int64  `json:"product_id"`
	ProductImgURL string `json:"product_img_url"`
	ProductName   string `json:"product_name"`
	UserImgURL    string `json:"user_img_url"`
}

// contentReply is the home page. Its lists are built by linkPictures,
// which handle calls before encoding it.
type contentReply struct {
	AdsImgURL []string       `json:"ads_img_url"`
	History   []historyEntry `json:"history"`
	Random    []randomEntry  `json:"random"`

	content actors.Content
}

func (c *contentReply) linkPictures(base string) {
	c.AdsImgURL = make([]string, 0, len(c.content.AdPicIDs))
	for _, id := range c.content.AdPicIDs {
		c.AdsImgURL = append(c.AdsImgURL, pictureURL(base, id))
	}
	c.History = make([]historyEntry, 0, len(c.content.History))
	for _, p := range c.content.History {
		c.History = append(c.History, historyEntry{
			ProductID:     p.ProductID,
			ProductImgURL: pictureURL(base, p.PicID),
			ProductName:   p.ProductName,
		})
	}
	c.Random = make([]randomEntry, 0, len(c.content.Random))
	for _, p := range c.content.Random {
		c.Random = append(c.Random, randomEntry{
			ProductID:     p.ProductID,
			ProductImgURL: pictureURL(base, p.PicID),
			ProductName:   p.ProductName,
			UserImgURL:    pictureURL(base, p.OwnerPicID),
		})
	}
}

func (r *REST) content(f *fields) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	c, err := r.engine.Content(session)
	return &contentReply{content: c}, err
}

// avatarReply names the stored avatar and its URL.
type avatarReply struct {
	Errmsg string `json:"errmsg"`
	PicID  string `json:"pic_id"`
	ImgURL string `json:"user_img_url"`
}

func (a *avatarReply) linkPictures(base string) { a.ImgURL = pictureURL(base, a.PicID) }

// setAvatar serves /callme/product_man/avatar: one file in field picture.
func (r *REST) setAvatar(f *fields, pictures [][]byte) (any, error) {
	session := f.text("session_id")
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(pictures) != 1 {
		return nil, badRequest("%d files in field picture: send one avatar", len(pictures))
	}
	id, err := r.engine.SetAvatar(session, pictures[0])
	return &avatarReply{Errmsg: "ok", PicID: id}, err
}
