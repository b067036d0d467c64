package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ContentProduct is a product on the home page. UserImgURL is only in the
// random list, and is empty for now.
type ContentProduct struct {
	ProductID     int64  `json:"product_id"`
	ProductImgURL string `json:"product_img_url"`
	ProductName   string `json:"product_name"`
	UserImgURL    string `json:"user_img_url"`
}

// Content is the home page: ad picture URLs, the user's last products
// bought and a random pick of products on sale.
type Content struct {
	AdsImgURL []string         `json:"ads_img_url"`
	History   []ContentProduct `json:"history"`
	Random    []ContentProduct `json:"random"`
}

// PictureReply is the reply to a GET of a picture URL. Data is empty for a
// 304, and Errmsg is set for an error status.
type PictureReply struct {
	Status       int
	ContentType  string
	ETag         string
	CacheControl string
	Data         []byte
	Errmsg       string
}

// UpdateProduct posts p to /callme/product_man/update as multipart form
// data, with picture as the file of field picture unless it is nil, and
// returns the product id. A new product needs a picture.
func (c *Client) UpdateProduct(ctx context.Context, sessionID string, p ProductEdit,
	picture []byte,
) (int64, error) {
	fields := map[string]string{
		"session_id":   sessionID,
		"product_name": p.ProductName,
		"total_fee":    strconv.FormatInt(p.TotalFee, 10),
		"inventory":    strconv.FormatInt(p.Inventory, 10),
		"label":        p.Label,
	}
	if p.ProductID != 0 {
		fields["product_id"] = strconv.FormatInt(p.ProductID, 10)
	}
	var pictures [][]byte
	if picture != nil {
		pictures = append(pictures, picture)
	}
	var reply struct {
		ProductID int64 `json:"product_id"`
	}
	err := c.PostMultipart(ctx, "/callme/product_man/update", fields, pictures, &reply)
	return reply.ProductID, err
}

// SetAds replaces the home page's ads with pictures, which only an admin
// may do, and returns their picture ids.
func (c *Client) SetAds(ctx context.Context, sessionID string, pictures [][]byte) (
	[]string, error,
) {
	var reply struct {
		PicIDs []string `json:"pic_ids"`
	}
	err := c.PostMultipart(ctx, "/callme/admin/ads", map[string]string{"session_id": sessionID},
		pictures, &reply)
	return reply.PicIDs, err
}

// SetAdsByID replaces the home page's ads with stored pictures.
func (c *Client) SetAdsByID(ctx context.Context, sessionID string, picIDs []string) (
	[]string, error,
) {
	var reply struct {
		PicIDs []string `json:"pic_ids"`
	}
	err := c.Call(ctx, "/callme/admin/ads", map[string]string{
		"session_id": sessionID,
		"pic_ids":    strings.Join(picIDs, ","),
	}, &reply)
	return reply.PicIDs, err
}

// Content returns the home page of the session's user.
func (c *Client) Content(ctx context.Context, sessionID string) (Content, error) {
	var reply Content
	err := c.Call(ctx, "/callme/wx_session/content", sessionFields{sessionID}, &reply)
	return reply, err
}

// AudioURL returns the Baidu text2audio URL that speaks text with speed
// spd, pitch pit, volume vol and voice per.
func (c *Client) AudioURL(ctx context.Context, text string, spd, pit, vol, per int) (
	string, error,
) {
	path := fmt.Sprintf("/callme/bd_api/getAudioUrl/%s/%d/%d/%d/%d",
		url.PathEscape(text), spd, pit, vol, per)
	var reply struct {
		URL string `json:"url"`
	}
	err := c.Call(ctx, path, struct{}{}, &reply)
	return reply.URL, err
}

// FetchPicture gets a picture URL from a reply, sending ifNoneMatch as
// If-None-Match unless it is empty. The error is set only when no reply
// arrived; an error status comes back in the PictureReply.
func (c *Client) FetchPicture(ctx context.Context, pictureURL, ifNoneMatch string) (
	PictureReply, error,
) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pictureURL, nil)
	if err != nil {
		return PictureReply{}, fmt.Errorf("client: build request to %s: %w", pictureURL, err)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return PictureReply{}, fmt.Errorf("client: GET %s: %w", pictureURL, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxReplySize))
	if err != nil {
		return PictureReply{}, fmt.Errorf("client: read reply of %s: %w", pictureURL, err)
	}
	reply := PictureReply{
		Status:       res.StatusCode,
		ContentType:  res.Header.Get("Content-Type"),
		ETag:         res.Header.Get("ETag"),
		CacheControl: res.Header.Get("Cache-Control"),
		Data:         data,
	}
	if res.StatusCode >= 400 {
		reply.Errmsg, reply.Data = errmsgOf(data), nil
	}
	return reply, nil
}

// PostMultipart posts fields and files, each as field picture, to path as
// multipart/form-data and decodes the JSON reply into out unless out is
// nil. A 4xx or 5xx reply returns an *APIError.
func (c *Client) PostMultipart(ctx context.Context, path string, fields map[string]string,
	pictures [][]byte, out any,
) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for name, value := range fields {
		if err := w.WriteField(name, value); err != nil {
			return fmt.Errorf("client: encode field %s: %w", name, err)
		}
	}
	for i, data := range pictures {
		part, err := w.CreateFormFile("picture", fmt.Sprintf("picture-%d", i+1))
		if err != nil {
			return fmt.Errorf("client: encode picture %d: %w", i+1, err)
		}
		if _, err := part.Write(data); err != nil {
			return fmt.Errorf("client: encode picture %d: %w", i+1, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("client: encode request to %s: %w", path, err)
	}

	status, reply, err := c.post(ctx, path, w.FormDataContentType(), body.Bytes())
	if err != nil {
		return err
	}
	if status >= 400 {
		return &APIError{Path: path, Status: status, Msg: errmsgOf(reply)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("client: decode reply of %s: %w", path, err)
	}
	return nil
}
